export { createResizeImageHandler, handler as resizeImage, ResizeError, type ResizeErrorCode, type ResizeOutcome } from './resize-image.js';
export { FolderMediaObjects, S3MediaObjects, type MediaObjects } from './media-objects/index.js';
export * from './runner/index.js';
export * from './consumers/index.js';
export * from './mail/index.js';
export { EnvironmentError, type Environment } from './environment.js';
