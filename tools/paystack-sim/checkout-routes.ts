/** The checkout page a person or a browser test clicks through: pay, decline, abandon. */
import { checkoutPage, notFoundPage, resultPage } from './checkout.ts';
import type { SimContext } from './context.ts';

export function registerCheckoutRoutes(ctx: SimContext): void {
  const { app, store, state, completeCheckout } = ctx;

  app.get('/checkout/:accessCode', async (req, reply) => {
    const { accessCode } = req.params as { accessCode: string };
    const t = store.byAccessCode.get(accessCode);
    return reply
      .code(t ? 200 : 404)
      .type('text/html; charset=utf-8')
      .send(t ? checkoutPage(t) : notFoundPage());
  });

  app.post('/checkout/:accessCode/:action', async (req, reply) => {
    const { accessCode, action } = req.params as { accessCode: string; action: string };
    const t = store.byAccessCode.get(accessCode);
    const outcome = ({ pay: 'success', decline: 'failed', abandon: 'abandoned' } as const)[action as 'pay' | 'decline' | 'abandon'];
    if (!t || !outcome) return reply.code(404).type('text/html; charset=utf-8').send(notFoundPage());
    state.stats.checkout++;
    completeCheckout(t, outcome, true);
    if (t.callbackUrl) {
      try {
        const back = new URL(t.callbackUrl);
        back.searchParams.set('trxref', t.reference);
        back.searchParams.set('reference', t.reference);
        return reply.redirect(back.toString(), 302);
      } catch {
        // Not a usable URL: show the result here instead.
      }
    }
    return reply.type('text/html; charset=utf-8').send(resultPage(t));
  });
}
