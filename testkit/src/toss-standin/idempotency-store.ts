import { TossStandinError } from './payment-ledger.js';

export interface StoredResponse {
  status: number;
  body: unknown;
}

/**
 * Toss's Idempotency-Key (docs.tosspayments.com/reference/using-api/idempotency-key): the first
 * response for a key is kept and sent again for the same key, without doing the work twice.
 * Only 2xx and 4xx are kept; after a 5xx the same key may try again. A request arriving while
 * another with its key is still being worked on gets 409 IDEMPOTENT_REQUEST_PROCESSING.
 */
export class IdempotencyStore {
  private readonly responses = new Map<string, StoredResponse>();
  private readonly inFlight = new Set<string>();

  constructor(private readonly record: (key: string, response: StoredResponse) => void = () => {}) {}

  restore(key: string, response: StoredResponse): void {
    this.responses.set(key, response);
  }

  /** Runs `work` once per key; `replayed` tells the caller the answer is a stored one. */
  async run(key: string | undefined, work: () => Promise<StoredResponse>): Promise<StoredResponse & { replayed: boolean }> {
    if (key === undefined) return { ...(await work()), replayed: false };
    const stored = this.responses.get(key);
    if (stored) return { ...stored, replayed: true };
    if (this.inFlight.has(key)) {
      const error = new TossStandinError(409, 'IDEMPOTENT_REQUEST_PROCESSING');
      return { status: error.status, body: error.toBody(), replayed: false };
    }
    this.inFlight.add(key);
    try {
      const response = await work();
      if (response.status < 500) {
        this.responses.set(key, response);
        this.record(key, response);
      }
      return { ...response, replayed: false };
    } finally {
      this.inFlight.delete(key);
    }
  }
}
