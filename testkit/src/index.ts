export { systemPaths } from './system-paths.js';
