export * from './errors.js';
export { errorClassFor, fromJavaException } from './java-exceptions.js';
