// A small reference model of the money and milestone rules, written independently of domain/, for the
// property-based and continue-as-new tests. It answers only: is this command accepted, and what are the
// balances and milestone states afterwards?
export type ModelCommand =
  | { type: 'add'; amountCents: number }
  | { type: 'delete'; index: number }
  | { type: 'fund' }
  | { type: 'submit' }
  | { type: 'release'; permille: number }
  | { type: 'withdraw'; permille: number }
  | { type: 'end' }
  | { type: 'keepOpen' };

interface M {
  id: string;
  amount: number;
  funded: number;
  released: number;
  st: 'pending' | 'active' | 'submitted' | 'released';
}

export class ReferenceModel {
  ms: M[] = [];
  projectFunds = 0;
  escrow = 0;
  deposits = 0;
  fees = 0;
  releases = 0;
  refunds = 0;
  feeCharged = false;
  ended = false;
  prompt = false;
  private no = 1;

  constructor(readonly fee: number) {}

  current = () => this.ms.find((m) => m.st === 'active' || m.st === 'submitted');

  /** Applies a command; false when the rules refuse it (and nothing changed). */
  apply(c: ModelCommand): boolean {
    if (this.ended) return false;
    switch (c.type) {
      case 'add':
        if (c.amountCents < 500 || c.amountCents > 100_000_000 || this.ms.length >= 200) return false;
        this.ms.push({ id: `m${this.no++}`, amount: c.amountCents, funded: 0, released: 0, st: 'pending' });
        this.prompt = false;
        return true;
      case 'delete': {
        const pending = this.ms.filter((m) => m.st === 'pending');
        const victim = pending[c.index % Math.max(1, pending.length)];
        if (!victim) return false;
        this.ms = this.ms.filter((m) => m !== victim);
        return true;
      }
      case 'fund': {
        const cur = this.current();
        const target = cur ?? this.ms.find((m) => m.st === 'pending');
        if (!target) return false;
        const need = target.amount - target.funded;
        if (need <= 0) return false;
        const fromFunds = Math.min(this.projectFunds, need);
        const fee = this.feeCharged ? 0 : this.fee;
        this.feeCharged = true;
        this.deposits += need - fromFunds + fee;
        this.fees += fee;
        this.projectFunds -= fromFunds;
        this.escrow += need;
        target.funded += need;
        if (!cur) {
          target.st = 'active';
          this.prompt = false;
        }
        return true;
      }
      case 'submit': {
        const cur = this.current();
        if (!cur || cur.st !== 'active') return false;
        cur.st = 'submitted';
        return true;
      }
      case 'release': {
        const cur = this.current();
        if (!cur) return false;
        const amount = Math.floor((cur.funded * c.permille) / 1000);
        if (amount <= 0) return false;
        cur.released = amount;
        cur.st = 'released';
        this.escrow -= cur.funded;
        this.releases += amount;
        this.projectFunds += cur.funded - amount;
        if (!this.ms.some((m) => m.st === 'pending')) this.prompt = true;
        return true;
      }
      case 'withdraw': {
        const amount = Math.floor((this.projectFunds * c.permille) / 1000);
        if (amount <= 0) return false;
        this.projectFunds -= amount;
        this.refunds += amount;
        return true;
      }
      case 'end':
        if (this.current()) return false;
        this.refunds += this.projectFunds;
        this.projectFunds = 0;
        this.ended = true;
        this.prompt = false;
        return true;
      case 'keepOpen':
        if (!this.prompt) return false;
        this.prompt = false;
        return true;
    }
  }

  balances() {
    return {
      depositsCents: this.deposits,
      feesCents: this.fees,
      releasesCents: this.releases,
      refundsCents: this.refunds,
      escrowCents: this.escrow,
      projectFundsCents: this.projectFunds,
    };
  }
}
