import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { PaymentGatewayError } from '../../src/payments/gateway.ts';
import { course, paid, setup } from './fakes/payments.ts';

function withEvent(event = 'charge.success') {
  const s = setup();
  s.payments.add({
    reference: 'ref-1',
    userId: 'u1',
    courseId: course.id,
    amount: course.price,
    currency: 'NGN',
    status: 'pending',
    createdAt: s.clock.iso(5_000),
  });
  s.gateway.receiveWebhook = () => ({
    kind: 'event',
    key: `${event}:ref-1:success`,
    event,
    reference: 'ref-1',
    status: 'success',
    payload: { event, data: { reference: 'ref-1' } },
  });
  return s;
}

describe('webhooks', () => {
  it('a rejected or malformed webhook is a 401 or 400 and stores nothing', async () => {
    const s = withEvent();
    s.gateway.receiveWebhook = () => ({ kind: 'invalid-signature' });
    await assert.rejects(s.service.receiveWebhook(Buffer.from('{}'), 'x'), (e: { code?: string }) => e.code === 'unauthorized');
    s.gateway.receiveWebhook = () => ({ kind: 'malformed', message: 'The webhook body is not JSON' });
    await assert.rejects(
      s.service.receiveWebhook(Buffer.from('{'), 'x'),
      (e: { code?: string; message: string }) => e.code === 'validation_failed' && /not JSON/.test(e.message),
    );
    assert.equal(s.payments.events.length, 0);
  });

  it('an event is stored once (a redelivery is acknowledged, not stored), then settles the payment by asking the gateway', async () => {
    const s = withEvent();
    const id = await s.service.receiveWebhook(Buffer.from('{}'), 'sig');
    assert.equal(await s.service.receiveWebhook(Buffer.from('{}'), 'sig'), undefined);
    assert.ok(id);
    s.g.verifyAnswer.set('ref-1', paid('ref-1'));
    assert.equal(await s.service.processEvents([id]), 1);
    assert.equal(s.payments.get('ref-1')!.status, 'success');
    assert.equal(s.payments.events[0].processed, true);
  });

  it('gateway trouble while processing leaves the event for the sweep, with the reason', async () => {
    const s = withEvent();
    const id = (await s.service.receiveWebhook(Buffer.from('{}'), 'sig'))!;
    s.g.verifyAnswer.set('ref-1', new PaymentGatewayError('Paystack verify timed out', 1, false));
    await s.service.processEvents([id]);
    assert.equal(s.payments.events[0].processed, false);
    assert.match(s.payments.events[0].error ?? '', /timed out/);
    // The sweep picks it up once the gateway answers.
    s.g.verifyAnswer.set('ref-1', paid('ref-1'));
    assert.deepEqual(await s.service.reconcileOnce(), { events: 1, payments: 0 });
    assert.equal(s.payments.get('ref-1')!.status, 'success');
  });

  it('an ignored webhook is acknowledged without storing', async () => {
    const s = withEvent();
    s.gateway.receiveWebhook = () => ({ kind: 'ignored' });
    assert.equal(await s.service.receiveWebhook(Buffer.from('{}'), 'sig'), undefined);
    assert.equal(s.payments.events.length, 0);
  });
});
