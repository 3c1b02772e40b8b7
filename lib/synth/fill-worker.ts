/** A build worker thread: re-plans the model and fills its share of the weights (fill-parallel.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { planDecoder } from './decoder-graph';
import { TensorDataWriter } from '../onnx/tensor-data-writer';
import type { FillWorkerData, FillWorkerMessage } from './fill-parallel';

const data = workerData as FillWorkerData;
const post = (m: FillWorkerMessage) => parentPort!.postMessage(m);
const writer = new TensorDataWriter(data.dataPath, 'model.onnx_data', 'update');
try {
  const { jobs } = planDecoder(data.plan, writer);
  for (const i of data.jobs) {
    jobs[i].run();
    post({ type: 'job', index: i });
  }
  writer.close();
  post({ type: 'done' });
} catch (e) {
  writer.abort();
  post({ type: 'error', message: (e as Error).message });
}
