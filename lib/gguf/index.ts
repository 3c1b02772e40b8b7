/**
 * gguf/ — ONNX decoder -> GGUF (llama.cpp's file format) with the same quantised values.
 * The file format itself (writer, reader) lives in lib/onnx/gguf-*.ts.
 */
export { exportGguf, type GgufExportOptions, type GgufExportReport } from './export-gguf';
export { readQ4_0Block, type ConversionStats } from './ggml-blocks';
export type { TensorConversion } from './linear-tensor';
