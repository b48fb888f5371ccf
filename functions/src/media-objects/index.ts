export type { MediaObjects } from './media-objects.js';
export { FolderMediaObjects } from './folder-media-objects.js';
export { S3MediaObjects } from './s3-media-objects.js';
