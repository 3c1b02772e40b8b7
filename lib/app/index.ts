/**
 * The app room: the service with its pages (start-service.ts), the process that runs it
 * (main.ts), that process in the background (daemon.ts, workshop-port.ts) and the pages'
 * front door for the CLI (open-page.ts). Above lib/service and lib/web, which know nothing of
 * each other's insides beyond the route table.
 */
export { startServiceWithPages } from './start-service';
export {
  startDaemon, stopDaemon, restartDaemon, daemonStatus, daemonPs, formatStatus, formatPs, logFilePath,
  type DaemonOptions, type StartDaemonOptions, type DaemonStatus, type StartResult, type StopResult, type PsResult,
} from './daemon';
export { stateFilePath, readState, type ServiceState } from './daemon';
export { runServiceMain, parseServiceArgs, defaultRegistry, type MainOptions } from './main';
export { startOnWorkshopPort, choosePort, portIsFree, WORKSHOP_PORT, type WorkshopStart, type WorkshopStartOptions } from './workshop-port';
export { pageUrl, openInBrowser, type PageRequest, type PageUrl } from './open-page';
