/** The Paystack API endpoints the client uses, with Paystack's validation and error codes. */
import type { SimContext } from './context.ts';
import { asRecord, ok, paystackError, positiveInt, queryInt, queryTime } from './http.ts';
import { CURRENCIES } from './store.ts';
import { listItem, refundCreateData, refundData, verifyData } from './wire.ts';

export function registerApiRoutes(ctx: SimContext): void {
  const { app, api, store, state, checkoutUrl, scheduleRefund } = ctx;

  app.post(
    '/transaction/initialize',
    api('initialize', (req) => {
      const b = asRecord(req.body);
      const email = typeof b.email === 'string' ? b.email.trim() : '';
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return paystackError(400, 'Invalid Email Address Passed', 'invalid_params');
      const amount = positiveInt(b.amount);
      if (amount === undefined) return paystackError(400, 'Invalid Amount Sent', 'invalid_params');
      const currency = b.currency === undefined ? 'NGN' : b.currency;
      if (typeof currency !== 'string' || !(CURRENCIES as readonly string[]).includes(currency)) {
        return paystackError(400, 'Currency not supported by merchant', 'unsupported_currency');
      }
      let reference: string;
      if (b.reference === undefined || b.reference === '') {
        reference = store.newReference();
      } else if (typeof b.reference === 'string' && /^[A-Za-z0-9.=-]+$/.test(b.reference)) {
        reference = b.reference;
      } else {
        return paystackError(400, 'Invalid reference. Only -, ., = and alphanumeric characters allowed', 'invalid_params');
      }
      if (store.transactions.has(reference)) {
        return paystackError(
          400,
          'Duplicate Transaction Reference',
          'duplicate_reference',
          'validation_error',
          'Try and create the Transaction or Charge with a new reference',
        );
      }
      const callbackUrl = typeof b.callback_url === 'string' && b.callback_url !== '' ? b.callback_url : null;
      const t = store.createTransaction({ reference, amount, currency, email, callbackUrl, metadata: b.metadata });
      return ok('Authorization URL created', {
        authorization_url: checkoutUrl(t),
        access_code: t.accessCode,
        reference: t.reference,
      });
    }),
  );

  app.get(
    '/transaction/verify/:reference',
    api('verify', (req) => {
      const { reference } = req.params as { reference: string };
      const t = store.transactions.get(reference);
      // openapi.yaml documents 404 here; real Paystack answers 400 with code transaction_not_found.
      if (!t) {
        return paystackError(
          400,
          'Transaction reference not found',
          'transaction_not_found',
          'validation_error',
          "Ensure that you're passing the reference of a transaction that exists on this integration",
        );
      }
      return ok('Verification successful', verifyData(t));
    }),
  );

  app.get(
    '/transaction',
    api('listTransactions', (req) => {
      const q = asRecord(req.query);
      // Paystack reads perPage; openapi.yaml names it per_page. Both are accepted here.
      const perPage = queryInt(q.perPage ?? q.per_page, 50, 1000);
      const page = queryInt(q.page, 1, 1_000_000);
      const status = typeof q.status === 'string' && q.status !== '' ? q.status : undefined;
      const from = queryTime(q.from);
      const to = queryTime(q.to);
      const all = [...store.transactions.values()]
        .filter((t) => status === undefined || t.status === status)
        .filter((t) => from === undefined || Date.parse(t.createdAt) >= from)
        .filter((t) => to === undefined || Date.parse(t.createdAt) <= to)
        .sort((a, b) => b.id - a.id);
      const skipped = (page - 1) * perPage;
      const items = all.slice(skipped, skipped + perPage);
      return ok('Transactions retrieved', items.map(listItem), {
        total: all.length,
        total_volume: all.filter((t) => t.status === 'success').reduce((s, t) => s + t.amount, 0),
        skipped,
        perPage,
        page,
        pageCount: Math.max(1, Math.ceil(all.length / perPage)),
      });
    }),
  );

  app.post(
    '/refund',
    api('refund', (req) => {
      const b = asRecord(req.body);
      if (typeof b.transaction !== 'string' && typeof b.transaction !== 'number') {
        return paystackError(400, 'Transaction is required', 'invalid_params');
      }
      const t = store.findTransaction(b.transaction);
      if (!t) return paystackError(400, 'Transaction not found', 'transaction_not_found');
      if (t.status === 'reversed') return paystackError(400, 'Transaction has been fully reversed', 'transaction_reversed');
      if (t.status !== 'success')
        return paystackError(400, 'Cannot refund a transaction that is not successful', 'transaction_not_successful');
      if (b.currency !== undefined && b.currency !== t.currency)
        return paystackError(400, 'Currency does not match the transaction', 'invalid_params');
      const refundable = t.amount - store.refundedAmount(t);
      if (refundable <= 0) return paystackError(400, 'Transaction has been fully reversed', 'transaction_reversed');
      let amount = refundable;
      if (b.amount !== undefined) {
        const asked = positiveInt(b.amount);
        if (asked === undefined) return paystackError(400, 'Invalid amount', 'invalid_params');
        if (asked > refundable)
          return paystackError(400, 'Refund amount cannot be more than the unrefunded transaction amount', 'invalid_amount');
        amount = asked;
      }
      const r = store.createRefund(
        t,
        amount,
        {
          ...(typeof b.merchant_note === 'string' ? { merchantNote: b.merchant_note } : {}),
          ...(typeof b.customer_note === 'string' ? { customerNote: b.customer_note } : {}),
        },
        state.settings.refundDelayMs,
      );
      scheduleRefund(r, state.settings.refundDelayMs);
      return ok('Refund has been queued for processing', refundCreateData(r));
    }),
  );

  app.get(
    '/refund/:id',
    api('fetchRefund', (req) => {
      const { id } = req.params as { id: string };
      const r = /^[0-9]+$/.test(id) ? store.refunds.get(Number(id)) : undefined;
      if (!r) return paystackError(404, 'Refund not found', 'not_found');
      return ok('Refund retrieved', refundData(r));
    }),
  );

  app.get(
    '/refund',
    api('listRefunds', (req) => {
      const q = asRecord(req.query);
      // openapi.yaml documents only perPage/page/from/to. Paystack also filters by
      // `transaction`, matching its NUMERIC transaction id only: a reference matches
      // nothing (an empty list, not an error). The simulator does the same, so code that
      // passes a reference fails here rather than in production.
      const transaction = typeof q.transaction === 'string' && q.transaction !== '' ? q.transaction : undefined;
      const currency = typeof q.currency === 'string' && q.currency !== '' ? q.currency : undefined;
      const perPage = queryInt(q.perPage, 50, 1000);
      const page = queryInt(q.page, 1, 1_000_000);
      const from = queryTime(q.from);
      const to = queryTime(q.to);
      const all = [...store.refunds.values()]
        .filter((r) => transaction === undefined || (/^[0-9]+$/.test(transaction) && r.transaction.id === Number(transaction)))
        .filter((r) => currency === undefined || r.currency === currency)
        .filter((r) => from === undefined || Date.parse(r.createdAt) >= from)
        .filter((r) => to === undefined || Date.parse(r.createdAt) <= to)
        .sort((a, b) => b.id - a.id);
      const skipped = (page - 1) * perPage;
      return ok('Refunds retrieved', all.slice(skipped, skipped + perPage).map(refundData), {
        total: all.length,
        skipped,
        // A string here, as the document (and Paystack, echoing the query) has it.
        perPage: String(perPage),
        page,
        pageCount: Math.max(1, Math.ceil(all.length / perPage)),
        failedRefundCount: all.filter((r) => r.status === 'failed').length,
      });
    }),
  );
}
