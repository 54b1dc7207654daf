/** The operations domain's front door: probes, metrics, the /ops page and the fault routes. */
export { faultRoutes, type FaultDeps } from './faults.ts';
export { operationsRoutes, type OperationsDeps } from './routes.ts';
export { createTelemetry, type Telemetry } from './telemetry.ts';
