export type { Stage, StageTarget, StagedLoad, StagedFile, Manifest, WriteRowsOptions, WriteFilesOptions, Progress, Compression, BinaryDialect } from './types.js';
