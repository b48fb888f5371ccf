import { describe, expect, it } from 'vitest';
import { AnomalyMitigation, slotCounters } from './anomaly-mitigation.js';

const reading = (entries: [string, number, number][]) => new Map(entries.map(([slot, failed, answered]) => [slot, { failed, answered }]));

describe('anomaly mitigation', () => {
  it('marks down a server that failed more requests than it answered since the last reading, once past the limit', () => {
    const m = new AnomalyMitigation(3);
    expect(
      m.judge(
        reading([
          ['slot1', 0, 100],
          ['slot2', 0, 100],
        ]),
      ),
    ).toEqual([]);
    // slot1 hangs: its requests are abandoned and redispatched; slot2 answers them.
    expect(
      m.judge(
        reading([
          ['slot1', 4, 101],
          ['slot2', 0, 160],
        ]),
      ),
    ).toEqual(['slot1']);
  });

  it('keeps a server that fails now and then but mostly answers, and one under the limit', () => {
    const m = new AnomalyMitigation(3);
    m.judge(
      reading([
        ['slot1', 10, 100],
        ['slot2', 0, 0],
      ]),
    );
    expect(
      m.judge(
        reading([
          ['slot1', 14, 150],
          ['slot2', 2, 0],
        ]),
      ),
    ).toEqual([]);
  });

  it('takes a first reading or counters that went back as the baseline', () => {
    const m = new AnomalyMitigation(3);
    expect(
      m.judge(
        reading([
          ['slot1', 50, 0],
          ['slot2', 0, 10],
        ]),
      ),
    ).toEqual([]);
    expect(
      m.judge(
        reading([
          ['slot1', 2, 0],
          ['slot2', 0, 20],
        ]),
      ),
    ).toEqual([]);
    expect(
      m.judge(
        reading([
          ['slot1', 6, 0],
          ['slot2', 0, 30],
        ]),
      ),
    ).toEqual(['slot1']);
  });

  it('marks nothing down when every server fails alike (a database failover holds them all), nor more than half the rotation', () => {
    const m = new AnomalyMitigation(3);
    m.judge(
      reading([
        ['slot1', 0, 100],
        ['slot2', 0, 100],
        ['slot3', 0, 100],
        ['slot4', 0, 100],
      ]),
    );
    expect(
      m.judge(
        reading([
          ['slot1', 8, 100],
          ['slot2', 9, 101],
          ['slot3', 7, 100],
          ['slot4', 10, 102],
        ]),
      ),
    ).toEqual([]);
    // Three of four fail while one does well: at most two are taken out.
    expect(
      m.judge(
        reading([
          ['slot1', 20, 100],
          ['slot2', 20, 101],
          ['slot3', 20, 100],
          ['slot4', 10, 150],
        ]),
      ),
    ).toHaveLength(2);
  });

  it("reads a `show stat` row's redispatches, read errors and answers", () => {
    expect(slotCounters({ wredis: '6', eresp: '1', hrsp_2xx: '10', hrsp_4xx: '2', hrsp_5xx: '1', hrsp_other: '' })).toEqual({ failed: 7, answered: 13 });
  });
});
