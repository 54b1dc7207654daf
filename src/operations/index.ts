/** The operations domain's front door: probes, metrics, the /ops page and the fault routes. */
export { type FaultDeps, faultRoutes } from './faults.ts';
export { type OperationsDeps, operationsRoutes } from './routes.ts';
export { createTelemetry, type Telemetry } from './telemetry.ts';
