/** One message as it goes on the wire: the outbox row, its bodies opened. */
export interface WireMail {
  /** With angle brackets: <uuid@domain>. */
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string | null;
  headers?: Record<string, string>;
}

/** Where mail goes: an SMTP server, or the built-in mailbox. */
export interface MailTransport {
  kind: 'smtp' | 'mailbox';
  /** Sends one message; must stop when `signal` aborts. */
  send(mail: WireMail, signal: AbortSignal): Promise<{ response?: string }>;
  close(): Promise<void>;
}
