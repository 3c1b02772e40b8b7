/** Session 4's pages on the service: routes (mounted by service/server.ts), page URLs for the CLI, browser manifests. */
export { WEB_ROUTES, type WebRoute } from './routes';
export { pageUrl, openInBrowser, type PageRequest, type PageUrl } from './open-page';
export { browserManifest, BROWSER_MAX_BYTES, type BrowserManifest, type BrowserModelFile } from './browser-model';
export { readDocs, DocsetStore } from './docsets';
export { contentSecurityPolicy, pageHeaders } from './headers';
