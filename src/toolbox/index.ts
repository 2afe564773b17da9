export { S3Files } from './s3-files.js';
