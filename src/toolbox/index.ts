export { S3Files } from './s3-files.js';
export type { S3FilesOptions, S3Object, Body as S3Body } from './s3-files.js';
