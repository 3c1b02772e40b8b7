/**
 * onnx/ — the ground floor: ONNX protobuf records, the writer and the reader, tensor bytes
 * (inline or external), fp16 conversion and MatMulNBits block quantisation. synth/ (builds),
 * quantize/ (rewrites) and engine/ (load-time checks) use it; it imports no other room.
 */
export * from './records';
export { encodeModel } from './encode-model';
export { decodeModel, OnnxDecodeError } from './decode-model';
export { TensorBytesReader } from './tensor-bytes';
export { TensorDataWriter, type WriterMode } from './tensor-data-writer';
export { halfBitsToFloat, toHalfArray, toHalfBits } from './fp16';
export {
  dequantizeBlocks, dequantizeRow, int4Layout, nbitsLayout, quantizeBlocks, quantizeRow,
  type Int4Layout, type NBits, type NBitsLayout,
} from './matmul-nbits';
