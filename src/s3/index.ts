export type { S3FilesOptions, S3Object, S3UploadSink, Body as S3Body } from './files.js';
