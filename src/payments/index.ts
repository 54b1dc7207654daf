/** The payments domain's front door. */
import type { DomainModule, HttpModule } from '../http/module.ts';
import { paymentRoutes } from './routes.ts';
import { PaymentSchema } from './schemas.ts';
import { createPaymentService, type PaymentService, type PaymentServiceDeps } from './service.ts';

export { paymentCallbackPage } from './callback-page.ts';
export { startReconciler } from './reconciler.ts';
export type { PaymentService } from './service.ts';

export function paymentsHttp(payments: PaymentService): HttpModule {
  return { routes: { prefix: '/payments', plugin: (app, ctx) => paymentRoutes(app, { ...ctx, payments }) }, schemas: [PaymentSchema] };
}

export function createPaymentsModule(deps: PaymentServiceDeps): DomainModule<PaymentService> {
  const service = createPaymentService(deps);
  return { service, ...paymentsHttp(service) };
}
