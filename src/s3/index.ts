export type { S3UploadSink } from './upload.js';
