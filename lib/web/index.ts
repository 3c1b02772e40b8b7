/** Session 4's pages on the service: routes (handed to the service by lib/app/start-service.ts), browser manifests. */
export { WEB_ROUTES, type WebRoute } from './routes';
export { browserManifest, BROWSER_MAX_BYTES, type BrowserManifest, type BrowserModelFile } from './browser-model';
export { readDocs, DocsetStore } from './docsets';
export { contentSecurityPolicy, pageHeaders } from './headers';
