"""Widgets for the back half of the revenue cycle (notebooks 07-11): they draw a simulated
month (``sim.simulate`` + ``sim.cycle.run_cycle``) and let the learner work it.

The module is in two parts, in this order:

1. **the data behind the widgets** (no widget imports): the cached practice month
   (:func:`practice_month`), the denial queue's rows and verdicts (:func:`denied`,
   :func:`expected_action`), the posting key of a remittance claim (:func:`posting_key`),
   the counterfactual replay (:func:`what_if`), the appeal sent to a fresh payer
   (:func:`send_appeal`), the weekly KPI table and the three charts;
2. **the widgets**: :class:`EOBViewer`, :class:`DenialQueue`, :class:`AppealComposer`,
   :class:`PostingGrid`, :class:`WhatIfPanel`, :class:`Capstone`.

Every decision comes from the simulator (the payer engine, ``sim.cycle.ACTIONS``,
``followup.review_appeal``), the checkers (``exercises.check.posting``) and the code sets
(``codesets.adjustments``); the widgets only show and collect.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import ipywidgets as w

#: The practice month the notebooks use (seed, encounters, practice): fixed, so every learner
#: sees the same claims; the multispecialty clinic gives the widest mix of denials.
DEFAULT_SEED = 7
DEFAULT_ENCOUNTERS = 150
DEFAULT_PRACTICE = "multispecialty-clinic"

_WHY_ACTION = {
    "correct-and-resubmit": "the claim itself was wrong: fix it and send a replacement claim "
    "(frequency code 7 with the payer's claim number, CMS-1500 box 22)",
    "update-coverage-and-resubmit": "the payer could not match the patient or the coverage: "
    "verify eligibility (270/271), fix the insured's data and send a replacement claim",
    "appeal": "the claim was right and the denial can be answered with documents: appeal "
    "(a reconsideration) with the evidence that cures it",
    "write-off": "the provider may not bill this amount to the patient (group CO): adjust it off",
    "bill-patient": "group PR: the amount is the patient's responsibility under the plan",
}


# =============================================================================================
# 1. the data behind the widgets
# =============================================================================================


@dataclass
class Month:
    """A simulated month at the practice: the simulation and its revenue cycle."""

    result: Any  # sim.simulate.Result
    cycle: Any  # sim.cycle.Cycle


def run_month(
    seed: int = DEFAULT_SEED,
    encounters: int = DEFAULT_ENCOUNTERS,
    practice: str = DEFAULT_PRACTICE,
    progress: Callable[[int], None] | None = None,
) -> Month:
    """Simulate ``encounters`` visits (claims through the scrubber, no pyx12) and run the
    cycle after submission on them (deterministic for the same arguments)."""
    from sim.cycle import run_cycle
    from sim.simulate import simulate

    result = simulate(
        seed, encounters, practice=practice, validate_x12=False, cycle=False, progress=progress
    )
    return Month(result, run_cycle(result))


@cache
def practice_month(
    seed: int = DEFAULT_SEED,
    encounters: int = DEFAULT_ENCOUNTERS,
    practice: str = DEFAULT_PRACTICE,
) -> Month:
    """:func:`run_month`, made once per kernel and shared by the notebook's widgets."""
    return run_month(seed, encounters, practice)


def first_pass(month: Month) -> list[Any]:
    """The payers' first decision on every primary claim, by claim id."""
    return [a for _, a in sorted(month.cycle.first_pass.items()) if not a.secondary]


def denied(month: Month) -> list[Any]:
    """The first-pass denials (the work queue), by claim id."""
    return [a for a in first_pass(month) if a.denied]


def denial_code(adj: Any) -> str:
    """The group + CARC the office works the claim by: the first denied line's."""
    return adj.carcs[0] if adj.carcs else "CO-16"


def denied_amount(adj: Any) -> Decimal:
    """The charges on the denied lines."""
    by_ctl = {ln.control_number: ln.charge for ln in adj.claim.lines}
    return sum(
        (by_ctl.get(ln.control_number, Decimal(0)) for ln in adj.lines if ln.denial), Decimal(0)
    )


def expected_action(adj: Any) -> tuple[str, str]:
    """``(action, reason)`` for a denial by the cycle's rule (:func:`sim.cycle.rule_action`),
    with the adjustment's meaning and why that action fits."""
    from codesets import adjustments
    from sim.cycle import rule_action

    action = rule_action(adj)
    why = _WHY_ACTION[action]
    if adj.payer_error:
        why = (
            "the payer's own processing was wrong (its policy did not call for this denial): " + why
        )
    meaning = adjustments.describe(denial_code(adj))
    return action, f"{meaning.rstrip('.')}. {why[0].upper()}{why[1:]}."


def queue_rows(month: Month) -> list[dict[str, Any]]:
    """The work queue's table: claim, payer, CARC, denied amount, age in days (from the
    remittance to the month-end close, when the queue is worked)."""
    return [
        {
            "claim": a.claim.id,
            "payer": a.payer.name,
            "carc": denial_code(a),
            "amount": denied_amount(a),
            "age": max(0, (month.cycle.close - a.pay_date).days),
        }
        for a in denied(month)
    ]


def remittance_of(month: Month, adj: Any) -> Any | None:
    """The 835 (sim.remittance.Remittance) that carries ``adj``'s decision."""
    for r in month.cycle.remittances:
        if any(rc.payer_claim_number == adj.payer_claim_number for rc in r.claims):
            return r
    return None


def raw_835(remittance: Any) -> str:
    """The remittance as X12 835 text, one segment a line."""
    from sim.x12.p835 import write_835

    text = write_835(
        [remittance], sender_id=remittance.payer.identifier or "PAYER", receiver_id="RCMLAB"
    )
    return text.replace("~", "~\n")


def adjustment_meanings(adj: Any) -> list[tuple[str, str]]:
    """``(code, meaning)`` for every CARC (with its group) and RARC on the decision, in the
    order they appear (codesets.adjustments, rcmlab's words)."""
    from codesets import adjustments

    out: dict[str, str] = {}
    items = [*adj.remit.adjustments, *(a for ln in adj.remit.lines for a in ln.adjustments)]
    for a in items:
        out.setdefault(a.code, adjustments.describe(a.code))
        for r in a.rarcs:
            found = adjustments.rarc(r)
            out.setdefault(r, f"{r}: {found.description}" if found else f"{r}: (not in the list)")
    for ln in adj.remit.lines:
        for r in ln.remarks:
            found = adjustments.rarc(r)
            out.setdefault(r, f"{r}: {found.description}" if found else f"{r}: (not in the list)")
    return list(out.items())


def posting_key(rc: Any) -> dict[str, Any]:
    """What a poster enters for a remittance claim: per line allowed, paid, contractual
    (CO) and patient responsibility (PR), as the payment-posting checker reads it."""
    lines = []
    for ln in rc.lines:
        lines.append(
            {
                "allowed": str(ln.allowed if ln.allowed is not None else Decimal("0.00")),
                "paid": str(ln.paid),
                "contractual": str(ln.contractual),
                "patient_responsibility": str(ln.patient_responsibility),
            }
        )
    return {"lines": lines}


def check_posting(rc: Any, lines: list[dict[str, str]]) -> tuple[float, list[Any]]:
    """Grade a posting of ``rc`` (``exercises.check.posting``): ``(score, feedback)``."""
    from exercises.check import posting

    typed = [{k: v.strip() for k, v in ln.items() if str(v).strip()} for ln in lines]
    return posting.check(posting_key(rc), {"lines": typed})


def fresh_payers(month: Month) -> Any:
    """A new Adjudicator for the month (no memory of the claims already decided)."""
    from sim.payer.adjudicate import Adjudicator

    return Adjudicator.of_result(month.result)


@dataclass(frozen=True)
class Replay:
    """A what-if: the claim as billed and as changed, each decided by a fresh payer."""

    before: Any  # Adjudication
    after: Any  # Adjudication
    change: str


def change_claim(
    claim: Any,
    *,
    line: int | None = None,
    modifier: str | None = None,
    diagnosis: str | None = None,
    plan: str | None = None,
) -> tuple[Any, str]:
    """The claim with one change: toggle ``modifier`` on line ``line`` (1-based), replace the
    first-listed diagnosis (diagnosis pointer 1), or bill it as ``plan`` (a plan id of the
    claim's payer, which changes the coverage the payer finds). Returns
    ``(claim, what changed)``."""
    changes = []
    if modifier and line:
        lines = list(claim.lines)
        ln = lines[line - 1]
        mods = tuple(m for m in ln.modifiers if m != modifier)
        verb = "removed from" if len(mods) < len(ln.modifiers) else "added to"
        if verb == "added to":
            mods = (modifier, *mods) if modifier in ("25", "57") else (*mods, modifier)
        lines[line - 1] = replace(ln, modifiers=mods[:4])
        claim = replace(claim, lines=tuple(lines))
        changes.append(f"modifier {modifier} {verb} line {line} ({ln.code})")
    if diagnosis and claim.diagnoses and diagnosis != claim.diagnoses[0]:
        # diagnosis 1 (what pointer 1 points to) becomes the chosen code; if the code was
        # further down the list, the two swap places
        dx = list(claim.diagnoses)
        if diagnosis in dx:
            i = dx.index(diagnosis)
            dx[0], dx[i] = dx[i], dx[0]
        else:
            dx[0] = diagnosis
        claim = replace(claim, diagnoses=tuple(dx))
        changes.append(f"first-listed diagnosis {claim.diagnoses[0]}")
    if plan:
        changes.append(f"plan {plan}")
    return claim, "; ".join(changes) or "no change"


def what_if(month: Month, claim_id: str, **change: Any) -> Replay:
    """Decide the claim as billed and as changed (:func:`change_claim`), each by a FRESH
    Adjudicator (same received date), so the payers' memory of the month (deductibles
    met, services seen) does not leak into the comparison."""
    adj = month.cycle.first_pass[claim_id]
    changed, what = change_claim(adj.claim, **change)
    before = fresh_payers(month).adjudicate(adj.claim, adj.received)
    payers = fresh_payers(month)
    plan = change.get("plan")
    if plan:
        cov = payers.coverage_for(changed)
        if cov is not None:
            moved = replace(cov, plan_id=plan)
            payers.enrollment[cov.patient_id] = [
                moved if c.id == cov.id else c for c in payers.enrollment[cov.patient_id]
            ]
    after = payers.adjudicate(changed, adj.received)
    return Replay(before, after, what)


def plan_options(month: Month, adj: Any) -> list[tuple[str, str]]:
    """``(name, plan id)`` of the plans of the claim's payer."""
    plans = month.result.config.plans
    return sorted((p.name, p.id) for p in plans.values() if p.payer_id == adj.claim.payer.id)


def appeal_evidence(month: Month, adj: Any, attachments: tuple[str, ...]) -> dict[str, Any]:
    """What the chosen attachments show the payer (as ``sim.cycle`` builds it): the
    records' diagnoses, the authorization number, the date the claim was first filed."""
    e = month.result.encounter_of(adj.claim)
    ev: dict[str, Any] = {}
    if e is None:
        return ev
    if "medical-records" in attachments or "letter-of-medical-necessity" in attachments:
        ev["diagnoses"] = tuple(d.code for d in e.diagnoses)
    if "prior-auth-approval" in attachments and e.prior_auth:
        ev["auth_number"] = e.prior_auth
    if "proof-of-timely-filing" in attachments:
        ev["submitted_on"] = adj.received - timedelta(days=1)
    return ev


def send_appeal(
    month: Month, claim_id: str, grounds: tuple[str, ...], attachments: tuple[str, ...], letter: str
) -> Any:
    """Replay the denied claim on a FRESH Adjudicator and let it review the appeal
    (``followup.review_appeal``), filed ten days after the remittance; the AppealDecision.
    The replay repeats the first decision (the payer's choices are seeded per claim)."""
    from sim.payer import followup

    adj = month.cycle.first_pass[claim_id]
    payers = fresh_payers(month)
    replayed = payers.adjudicate(adj.claim, adj.received)
    appeal = followup.Appeal(
        adj.claim.id,
        replayed.payer_claim_number,
        tuple(grounds),
        tuple(attachments),
        letter,
        replayed.pay_date + timedelta(days=10),
        appeal_evidence(month, adj, tuple(attachments)),
    )
    return followup.review_appeal(payers, appeal)


def letter_template(adj: Any) -> str:
    """A starting letter for an appeal of ``adj`` (the learner edits it)."""
    return (
        f"Re: claim {adj.claim.id}, your claim number {adj.payer_claim_number}, patient "
        f"{adj.claim.patient.name}, date of service {adj.claim.first_service_date.isoformat()}.\n\n"
        f"We ask you to reconsider the denial {denial_code(adj)}. "
        "[Say why the denial is wrong and what the enclosed documents show.]\n\n"
        "Enclosed: [list the attachments]."
    )


def weekly_kpis(month: Month) -> Any:
    """One row per simulated week (Monday): charges (by date of service), insurance
    payments (by payment date) and the initial denial rate (by date received)."""
    import pandas as pd

    def monday(d: date) -> date:
        return d - timedelta(days=d.weekday())

    charges: Counter = Counter()
    decided: Counter = Counter()
    denials: Counter = Counter()
    for a in first_pass(month):
        charges[monday(a.claim.first_service_date)] += float(a.claim.total_charge)
        decided[monday(a.received)] += 1
        denials[monday(a.received)] += int(a.denied)
    payments: Counter = Counter()
    for r in month.cycle.remittances:
        payments[monday(r.payment_date)] += float(r.total_paid)
    weeks = sorted(set(charges) | set(payments) | set(decided))
    return pd.DataFrame(
        {
            "week": weeks,
            "charges": [round(charges[k], 2) for k in weeks],
            "payments": [round(payments[k], 2) for k in weeks],
            "denial_rate": [denials[k] / decided[k] if decided[k] else None for k in weeks],
        }
    )


def pareto_chart(month: Month) -> Any:
    """Denials by group + CARC, most frequent first, with the cumulative % line."""
    from matplotlib.figure import Figure

    counts = list(month.cycle.kpis()["denials_by_carc"].items())
    fig = Figure(figsize=(7, 3.4), layout="constrained")
    ax = fig.subplots()
    if not counts:
        ax.text(0.5, 0.5, "no denials", ha="center", va="center")
        return fig
    codes = [c for c, _ in counts]
    n = [k for _, k in counts]
    total = sum(n)
    cum = [100 * sum(n[: i + 1]) / total for i in range(len(n))]
    ax.bar(codes, n, color="#1d4ed8")
    ax.set_ylabel("denied claims")
    ax.set_title("Denials by CARC (Pareto)")
    ax2 = ax.twinx()
    ax2.plot(codes, cum, color="#b91c1c", marker="o")
    ax2.set_ylim(0, 105)
    ax2.set_ylabel("cumulative %")
    return fig


def trend_chart(month: Month) -> Any:
    """Weekly charges and payments (bars) and the denial rate (line)."""
    from matplotlib.figure import Figure

    t = weekly_kpis(month)
    fig = Figure(figsize=(8, 3.4), layout="constrained")
    ax = fig.subplots()
    x = range(len(t))
    ax.bar([i - 0.2 for i in x], t["charges"], width=0.4, label="charges", color="#93c5fd")
    ax.bar([i + 0.2 for i in x], t["payments"], width=0.4, label="insurance paid", color="#1d4ed8")
    ax.set_xticks(list(x), [d.strftime("%m-%d") for d in t["week"]], rotation=45, fontsize=8)
    ax.set_ylabel("$")
    ax.set_title("KPI trend by week")
    ax2 = ax.twinx()
    ax2.plot(list(x), [100 * (v or 0) for v in t["denial_rate"]], color="#b91c1c", marker=".")
    ax2.set_ylabel("initial denial rate %")
    ax2.set_ylim(0, 100)
    ax.legend(loc="upper left", fontsize=8)
    return fig


def aging_chart(month: Month) -> Any:
    """The ledger's A/R aging chart at the month-end close, with the balances as they stood
    that day (the day the days-in-A/R card is measured on)."""
    return month.cycle.ledger.aging_chart(month.cycle.close, historical=True)


def compare_decisions(month: Month, chosen: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """The month finished three ways — the denial queue not worked, worked with the
    learner's ``chosen`` actions (claim id -> DESIGN action), and worked by the office's
    rules (``month.cycle``) — as rows ``(measure, not worked, yours, the rules')``."""
    from sim.cycle import run_cycle

    idle = run_cycle(month.result, followup=False)
    yours = run_cycle(month.result, chosen=chosen)

    def row(c: Any) -> list[str]:
        led = c.ledger.summary()
        k = c.kpis()
        collected = led["payments"] + led["patient_payments"]
        return [
            f"{100 * led['net_collection_rate']:.1f} %" if led["net_collection_rate"] else "n/a",
            f"${collected:,}",
            f"${led['write_offs']:,}",
            f"${led['ar_total']:,}",
            f"{k['appeals_overturned']} of {k['appeals']}",
        ]

    names = [
        "Net collection rate",
        "Collected (payers + patients)",
        "Written off by the office",
        "Still owed at the end",
        "Appeals won",
    ]
    cols = [row(idle), row(yours), row(month.cycle)]
    return [(n, cols[0][i], cols[1][i], cols[2][i]) for i, n in enumerate(names)]


def kpi_cards(month: Month) -> list[tuple[str, str, str]]:
    """``(label, value, what it means)`` for the dashboard cards."""
    k = month.cycle.kpis()
    res = month.result
    sent = sum(len(s.claims) for s in res.submissions)
    rejected = sum(len(s.rejected_claims()) for s in res.submissions)
    clean = (sent - rejected) / sent if sent else None

    def pct(v: float | None) -> str:
        return "n/a" if v is None else f"{100 * v:.1f} %"

    return [
        ("Clean-claim rate", pct(clean), "claims accepted by the clearinghouse first time"),
        ("Initial denial rate", pct(k["initial_denial_rate"]), "claims denied on first pass"),
        ("Net collection rate", pct(k["net_collection_rate"]), "collected ÷ what was collectible"),
        (
            "Days in A/R",
            "n/a" if k["days_in_ar"] is None else f"{k['days_in_ar']:.1f}",
            "what is still owed ÷ average charges per day",
        ),
    ]


def worked_example(module: str, month: Month | None = None) -> None:
    """Print the worked example of modules 07-10 from the shared practice month
    (deterministic: nbval compares it)."""
    month = month or practice_month()
    examples = {
        "07-adjudication": _example_adjudication,
        "08-denials": _example_denial,
        "09-appeals": _example_appeal,
        "10-posting-and-ar": _example_posting,
    }
    if module not in examples:
        raise ValueError(f"module {module!r} has no cycle example (modules: {', '.join(examples)})")
    examples[module](month)


def _example_adjudication(month: Month) -> None:
    adj = next(a for a in first_pass(month) if not a.denied and a.remit.patient_responsibility)
    print(adj.explain())


def _example_denial(month: Month) -> None:
    adj = denied(month)[0]
    action, why = expected_action(adj)
    print(f"claim {adj.claim.id} to {adj.payer.name}: {adj.remit.status_text}")
    print(f"denial {denial_code(adj)} -> {action}")
    print(why)


def _example_appeal(month: Month) -> None:
    adj = next((a for a in denied(month) if a.payer_error), None)
    if adj is None:
        print("no payer error in this month")
        return
    action, _ = expected_action(adj)
    print(f"claim {adj.claim.id}: {denial_code(adj)}, payer error -> {action}")
    decision = send_appeal(
        month, adj.claim.id, ("payer-processing-error",), ("medical-records",), letter_template(adj)
    )
    print(f"decision: {decision.outcome} ({decision.rule})")


def _example_posting(month: Month) -> None:
    adj = next(a for a in first_pass(month) if not a.denied and a.remit.patient_responsibility)
    rc = adj.remit
    print(f"claim {rc.patient_control_number}: billed {rc.charge}, paid {rc.paid}")
    for ln, key in zip(rc.lines, posting_key(rc)["lines"], strict=True):
        print(
            f"  {ln.code}: charge {ln.charge} = paid {key['paid']} + contractual "
            f"{key['contractual']} + patient {key['patient_responsibility']}"
        )


# =============================================================================================
# 2. the widgets
# =============================================================================================

_WIDE = {"description_width": "initial"}


def _html(text: str, cls: str | None = None) -> w.HTML:
    from exercises.widgets.ui import _html as html_widget

    return html_widget(text, cls)


def _figure(fig: Any) -> w.Image:
    """A matplotlib Figure as a PNG image widget."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return w.Image(value=buf.getvalue(), format="png", layout=w.Layout(max_width="720px"))


def _pre(text: str) -> str:
    return f"<pre style='white-space:pre-wrap;font-size:12px'>{html.escape(text)}</pre>"


def _claim_label(a: Any) -> str:
    return f"{a.claim.id} · {a.payer.name} · {a.remit.status_text} · paid ${a.remit.paid}"


class EOBViewer(w.VBox):
    """Pick a claim: its EOB (sim.remittance.eob_html), the payer's step-by-step
    explanation, the CARC/RARC meanings and the raw 835 in a collapsible."""

    def __init__(self, month: Month | None = None, **kw: Any) -> None:
        from sim.remittance import eob_html

        self._eob_html = eob_html
        self.month = month or practice_month()
        adjs = first_pass(self.month)
        self.picker = w.Dropdown(
            options=[(_claim_label(a), a.claim.id) for a in adjs],
            description="Claim:",
            style=_WIDE,
            layout=w.Layout(width="720px"),
        )
        self.eob = _html("", "rcm-eob")
        self.steps = _html("")
        self.codes = _html("")
        self.raw = _html("")
        self.raw_box = w.Accordion([self.raw])
        self.raw_box.set_title(0, "Raw 835 segments")
        self.raw_box.selected_index = None
        super().__init__(
            [
                self.picker,
                self.eob,
                _html("<b>How the payer decided</b>"),
                self.steps,
                _html("<b>Adjustment and remark codes</b>"),
                self.codes,
                self.raw_box,
            ],
            **kw,
        )
        self.add_class("rcm-eob-viewer")
        self.picker.observe(self._show, names="value")
        self._show()

    def _show(self, _: Any = None) -> None:
        adj = self.month.cycle.first_pass[self.picker.value]
        self.eob.value = self._eob_html([adj.remit])
        self.steps.value = _pre(adj.explain())
        rows = "".join(
            f"<tr><td style='white-space:nowrap;vertical-align:top'><b>{html.escape(c)}</b>"
            f"</td><td>{html.escape(t)}</td></tr>"
            for c, t in adjustment_meanings(adj)
        )
        self.codes.value = f"<table>{rows}</table>" if rows else "<i>none</i>"
        remit = remittance_of(self.month, adj)
        self.raw.value = _pre(raw_835(remit)) if remit else "<i>not remitted</i>"


class DenialQueue(w.VBox):
    """The denied claims with an action chooser per row; **Check my decision** compares each
    chosen action with the cycle's rules and gives the reason."""

    def __init__(self, month: Month | None = None, **kw: Any) -> None:
        from exercises.check.denial import ACTIONS

        self.month = month or practice_month()
        self.rows = queue_rows(self.month)
        head = ["Claim", "Payer", "CARC", "Amount", "Age (days)", "Action", "Verdict"]
        cells: list[w.Widget] = [_html(f"<b>{h}</b>") for h in head]
        self.choosers: dict[str, w.Dropdown] = {}
        self.verdicts: dict[str, w.HTML] = {}
        for r in self.rows:
            dd = w.Dropdown(options=list(ACTIONS), value=None, layout=w.Layout(width="230px"))
            self.choosers[r["claim"]] = dd
            self.verdicts[r["claim"]] = _html("")
            cells += [
                _html(r["claim"]),
                _html(html.escape(r["payer"])),
                _html(f"<span title='{html.escape(_carc_title(r['carc']))}'>{r['carc']}</span>"),
                _html(f"${r['amount']:,}"),
                _html(str(r["age"])),
                dd,
                self.verdicts[r["claim"]],
            ]
        self.grid = w.GridBox(
            cells,
            layout=w.Layout(
                grid_template_columns="130px 200px 70px 90px 80px 240px 1fr",
                max_height="420px",
                overflow="auto",
            ),
        )
        self.check_button = w.Button(description="Check my decision", button_style="primary")
        self.check_button.on_click(lambda _: self.check())
        self.summary = _html("", "rcm-feedback")
        intro = _html(f"<i>{len(self.rows)} denied claims. Choose an action for each.</i>")
        super().__init__([intro, self.grid, self.check_button, self.summary], **kw)
        self.add_class("rcm-work-queue")

    def check(self) -> dict[str, bool]:
        """Judge every row that has an action chosen; returns claim id -> right."""
        out: dict[str, bool] = {}
        for claim_id, dd in self.choosers.items():
            if dd.value is None:
                self.verdicts[claim_id].value = ""
                continue
            want, why = expected_action(self.month.cycle.first_pass[claim_id])
            ok = dd.value == want
            out[claim_id] = ok
            mark = "&#10003;" if ok else f"&#10007; the rule says <b>{want}</b>:"
            color = "#1b7f3b" if ok else "#b91c1c"
            self.verdicts[
                claim_id
            ].value = f"<span style='color:{color};font-size:12px'>{mark} {html.escape(why)}</span>"
        right = sum(out.values())
        self.summary.value = (
            f"<b>{right} of {len(out)} decisions right</b>" if out else "<i>choose an action</i>"
        )
        return out


def _carc_title(code: str) -> str:
    from codesets import adjustments

    return adjustments.describe(code)


class AppealComposer(w.VBox):
    """For a denied claim: grounds, attachments and a letter; **Send** has a fresh payer
    review the appeal and shows its decision letter."""

    def __init__(self, month: Month | None = None, **kw: Any) -> None:
        from exercises.check.appeal import ATTACHMENTS, GROUNDS

        self.month = month or practice_month()
        adjs = denied(self.month)
        self.picker = w.Dropdown(
            options=[
                (f"{a.claim.id} · {denial_code(a)} · {a.payer.name}", a.claim.id) for a in adjs
            ],
            description="Denied claim:",
            style=_WIDE,
            layout=w.Layout(width="640px"),
        )
        self.denial = _html("")
        self.grounds = w.SelectMultiple(
            options=[(f"{k}: {v}", k) for k, v in GROUNDS.items()],
            rows=6,
            description="Grounds:",
            style=_WIDE,
            layout=w.Layout(width="720px"),
        )
        self.attachments = w.SelectMultiple(
            options=[(f"{k}: {v}", k) for k, v in ATTACHMENTS.items()],
            rows=6,
            description="Attachments:",
            style=_WIDE,
            layout=w.Layout(width="720px"),
        )
        self.letter = w.Textarea(
            description="Letter:", style=_WIDE, layout=w.Layout(width="720px", height="160px")
        )
        self.send_button = w.Button(description="Send appeal", button_style="primary")
        self.send_button.on_click(lambda _: self.send())
        self.decision_html = _html("", "rcm-feedback")
        self.decision: Any = None
        super().__init__(
            [
                self.picker,
                self.denial,
                self.grounds,
                self.attachments,
                self.letter,
                self.send_button,
                self.decision_html,
            ],
            **kw,
        )
        self.add_class("rcm-appeal-composer")
        self.picker.observe(self._pick, names="value")
        self._pick()

    def _pick(self, _: Any = None) -> None:
        self.decision_html.value = ""
        if self.picker.value is None:
            self.denial.value = "<i>No denied claims in this month.</i>"
            return
        adj = self.month.cycle.first_pass[self.picker.value]
        self.denial.value = f"<small>{html.escape(_carc_title(denial_code(adj)))}</small>"
        self.letter.value = letter_template(adj)

    def send(self) -> Any:
        """Send the appeal; show and return the payer's decision."""
        if self.picker.value is None:
            return None
        if not self.grounds.value or not self.attachments.value:
            self.decision_html.value = (
                "<div style='color:#b91c1c'><b>Please fix:</b> choose at least one ground "
                "and one attachment</div>"
            )
            return None
        d = send_appeal(
            self.month,
            self.picker.value,
            self.grounds.value,
            self.attachments.value,
            self.letter.value,
        )
        self.decision = d
        color = {"overturned": "#1b7f3b"}.get(d.outcome, "#b45309")
        self.decision_html.value = (
            f"<div><b style='color:{color}'>{d.outcome.upper()}</b>"
            f"<div style='white-space:pre-wrap'>{html.escape(d.letter)}</div></div>"
        )
        return d


class PostingGrid(w.VBox):
    """Post an ERA claim: one row per service line (allowed, paid, contractual, patient
    responsibility), checked against the remittance by the payment-posting checker."""

    COLUMNS = ("allowed", "paid", "contractual", "patient_responsibility")

    def __init__(self, month: Month | None = None, **kw: Any) -> None:
        self.month = month or practice_month()
        self.claims: dict[str, Any] = {}
        options = []
        for r in self.month.cycle.remittances:
            for rc in r.claims:
                key = f"{r.trace_number}/{rc.payer_claim_number}"
                self.claims[key] = rc
                label = f"ERA {r.trace_number} ({r.payer.name}) · claim {rc.patient_control_number}"
                options.append((label, key))
        self.picker = w.Dropdown(
            options=options, description="ERA claim:", style=_WIDE, layout=w.Layout(width="720px")
        )
        self.era = _html("")
        self.grid = w.GridBox()
        self.cells: list[dict[str, w.Text]] = []
        self.check_button = w.Button(description="Check posting", button_style="primary")
        self.check_button.on_click(lambda _: self.check())
        self.feedback = _html("", "rcm-feedback")
        super().__init__([self.picker, self.era, self.grid, self.check_button, self.feedback], **kw)
        self.add_class("rcm-posting-grid")
        self.picker.observe(self._pick, names="value")
        self._pick()

    @property
    def remit_claim(self) -> Any:
        return self.claims[self.picker.value]

    def _pick(self, _: Any = None) -> None:
        from sim.remittance import eob_html

        rc = self.remit_claim
        self.era.value = eob_html([rc])
        head = [_html("<b>Line</b>")] + [
            _html(f"<b>{c.replace('_', ' ')}</b>") for c in self.COLUMNS
        ]
        self.cells = []
        cells: list[w.Widget] = list(head)
        for ln in rc.lines:
            row = {
                c: w.Text(placeholder="0.00", layout=w.Layout(width="120px")) for c in self.COLUMNS
            }
            self.cells.append(row)
            cells += [_html(f"{ln.code} (${ln.charge})"), *row.values()]
        self.grid.children = cells
        self.grid.layout = w.Layout(grid_template_columns="140px repeat(4, 130px)")
        self.feedback.value = ""

    def check(self) -> float:
        """Grade the grid; show the feedback; return the score (0-1)."""
        from exercises.model import ExerciseError

        lines = [{c: t.value for c, t in row.items()} for row in self.cells]
        try:
            score, feedback = check_posting(self.remit_claim, lines)
        except ExerciseError as exc:
            self.feedback.value = (
                f"<div style='color:#b91c1c'><b>Please fix:</b> {html.escape(str(exc))}</div>"
            )
            return 0.0
        wrong = [f for f in feedback if not f.ok]
        items = "".join(f"<li>{html.escape(f.part)}: {html.escape(f.message)}</li>" for f in wrong)
        self.feedback.value = f"<b>Score {100 * score:.0f} %</b>" + (
            f"<ul>{items}</ul>" if items else " — every amount matches the remittance."
        )
        return score


class WhatIfPanel(w.VBox):
    """Change one thing on a claim (a modifier, the first-listed diagnosis, the plan) and
    have fresh payers decide both versions: paid and patient share before and after."""

    MODIFIERS = ("25", "59", "XU", "57", "24", "91", "76", "LT", "RT")

    def __init__(self, month: Month | None = None, claim_id: str | None = None, **kw: Any):
        self.month = month or practice_month()
        adjs = first_pass(self.month)
        self.picker = w.Dropdown(
            options=[(_claim_label(a), a.claim.id) for a in adjs],
            value=claim_id or adjs[0].claim.id,
            description="Claim:",
            style=_WIDE,
            layout=w.Layout(width="720px"),
        )
        self.line = w.Dropdown(description="Line:", style=_WIDE)
        self.modifier = w.Dropdown(
            options=[("(no change)", None)] + [(m, m) for m in self.MODIFIERS],
            description="Toggle modifier:",
            style=_WIDE,
        )
        self.diagnosis = w.Dropdown(description="First-listed dx:", style=_WIDE)
        self.plan = w.Dropdown(description="Plan:", style=_WIDE, layout=w.Layout(width="480px"))
        self.run_button = w.Button(description="Re-run the payer", button_style="primary")
        self.run_button.on_click(lambda _: self.run())
        self.out = _html("", "rcm-feedback")
        self.replay: Replay | None = None
        super().__init__(
            [
                self.picker,
                w.HBox([self.line, self.modifier]),
                self.diagnosis,
                self.plan,
                self.run_button,
                self.out,
            ],
            **kw,
        )
        self.add_class("rcm-what-if")
        self.picker.observe(self._pick, names="value")
        self._pick()

    def _pick(self, _: Any = None) -> None:
        from codesets import icd10cm

        adj = self.month.cycle.first_pass[self.picker.value]
        claim = adj.claim
        self.line.options = [
            (
                f"{ln.number}: {ln.code}{'-' + '-'.join(ln.modifiers) if ln.modifiers else ''}",
                ln.number,
            )
            for ln in claim.lines
        ]
        e = self.month.result.encounter_of(claim)
        dx = list(dict.fromkeys([*claim.diagnoses, *((d.code for d in e.diagnoses) if e else ())]))
        self.diagnosis.options = [("(no change)", None)] + [
            (f"{d} {icd10cm.validate(d).message.split(':', 1)[-1].strip()[:60]}", d) for d in dx
        ]
        self.plan.options = [("(no change)", None), *plan_options(self.month, adj)]
        self.out.value = ""

    def run(self) -> Replay:
        """Replay the claim as billed and as changed; show before/after."""
        r = what_if(
            self.month,
            self.picker.value,
            line=self.line.value,
            modifier=self.modifier.value,
            diagnosis=self.diagnosis.value,
            plan=self.plan.value,
        )
        self.replay = r
        rows = "".join(
            f"<tr><td>{name}</td><td>${a.remit.paid}</td><td>${a.remit.patient_responsibility}</td>"
            f"<td>{html.escape(', '.join(a.carcs) or '-')}</td></tr>"
            for name, a in (("as billed", r.before), ("changed", r.after))
        )
        self.out.value = (
            f"<b>Change:</b> {html.escape(r.change)}<table><tr><th></th><th>paid</th>"
            f"<th>patient owes</th><th>denials</th></tr>{rows}</table>"
            f"<details open><summary>How the payer decided the changed claim</summary>"
            f"{_pre(r.after.explain())}</details>"
        )
        return r


class Capstone(w.VBox):
    """Run a month at the practice: a button simulates ``encounters`` visits and the cycle
    (with a progress bar), then the KPI cards, the three charts and tabs to work it."""

    def __init__(
        self,
        seed: int = DEFAULT_SEED,
        encounters: int = 300,
        practice: str = DEFAULT_PRACTICE,
        **kw: Any,
    ) -> None:
        self.seed, self.encounters, self.practice = seed, encounters, practice
        self.run_button = w.Button(
            description="Run a month at the practice",
            button_style="primary",
            layout=w.Layout(width="280px"),
        )
        self.run_button.on_click(lambda _: self.run())
        self.bar = w.IntProgress(
            value=0,
            min=0,
            max=encounters + 1,
            description="Simulating:",
            style=_WIDE,
            layout=w.Layout(visibility="hidden"),
        )
        self.cards = w.HBox()
        self.charts = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        self.tabs = w.Tab()
        self.month: Month | None = None
        super().__init__(
            [w.HBox([self.run_button, self.bar]), self.cards, self.charts, self.tabs], **kw
        )
        self.add_class("rcm-capstone")

    def run(self) -> Month:
        """Simulate and show the dashboard (about 3-8 s for 300 visits)."""
        self.bar.layout.visibility = "visible"
        self.bar.value = 0
        self.run_button.disabled = True

        def tick(done: int) -> None:
            self.bar.value = min(done, self.encounters)

        try:
            self.month = run_month(self.seed, self.encounters, self.practice, progress=tick)
        finally:
            self.run_button.disabled = False
        self.bar.value = self.bar.max
        self.bar.description = "Done:"
        self._dashboard(self.month)
        return self.month

    def _dashboard(self, month: Month) -> None:
        self.cards.children = [
            _html(
                "<div style='border:1px solid #cbd5e1;border-radius:8px;padding:8px 14px;"
                f"margin:4px;min-width:150px'><div style='font-size:12px;color:#475569'>"
                f"{html.escape(label)}</div><div style='font-size:24px;font-weight:bold'>"
                f"{html.escape(value)}</div><div style='font-size:11px;color:#64748b'>"
                f"{html.escape(meaning)}</div></div>",
                "rcm-kpi",
            )
            for label, value, meaning in kpi_cards(month)
        ]
        self.charts.children = [
            _figure(aging_chart(month)),
            _figure(pareto_chart(month)),
            _figure(trend_chart(month)),
        ]
        self.queue = DenialQueue(month)
        self.apply_button = w.Button(
            description="Finish the month with my decisions",
            button_style="success",
            layout=w.Layout(width="320px"),
        )
        self.apply_button.on_click(lambda _: self.finish())
        self.outcome = _html("", "rcm-outcome")
        tabs = [
            ("Work queue", w.VBox([self.queue, self.apply_button, self.outcome])),
            ("Appeals", AppealComposer(month)),
            ("Posting", PostingGrid(month)),
            ("Patient statements", StatementViewer(month)),
            ("What if", WhatIfPanel(month)),
        ]
        self.tabs.children = [t for _, t in tabs]
        for i, (title, _) in enumerate(tabs):
            self.tabs.set_title(i, title)

    def finish(self) -> list[tuple[str, str, str, str]] | None:
        """Apply the actions chosen in the work queue and show how the month ends: not
        worked, worked your way, worked by the rules (the KPIs move with your decisions)."""
        if self.month is None:
            return None
        chosen = {cid: dd.value for cid, dd in self.queue.choosers.items() if dd.value}
        if not chosen:
            self.outcome.value = "<i>Choose an action for at least one denied claim first.</i>"
            return None
        self.queue.check()
        rows = compare_decisions(self.month, chosen)
        td = "<td style='padding:3px 14px;text-align:right'>"
        body = "".join(
            f"<tr><td style='padding:3px 14px 3px 0'>{html.escape(n)}</td>{td}{a}</td>"
            f"{td}<b>{b}</b></td>{td}{c}</td></tr>"
            for n, a, b, c in rows
        )
        th = "<th style='padding:3px 14px;text-align:right'>"
        self.outcome.value = (
            f"<p>You worked {len(chosen)} of {len(self.queue.rows)} denials. How the month "
            "ends:</p><table style='border-collapse:collapse'><tr><th></th>"
            f"{th}queue not worked</th>{th}your decisions</th>{th}the rules' decisions</th>"
            f"</tr>{body}</table>"
        )
        return rows


class StatementViewer(w.VBox):
    """Pick an account with a patient balance: its statement as of the month's end (not
    issued again)."""

    def __init__(self, month: Month | None = None, **kw: Any) -> None:
        self.month = month or practice_month()
        led = self.month.cycle.ledger
        accounts = (
            [
                r[0]
                for r in led.conn.execute(
                    "SELECT DISTINCT account FROM claims WHERE pat_balance > 0 OR pat_paid > 0 "
                    "ORDER BY account"
                ).fetchall()
            ]
            if _has_column(led, "pat_paid")
            else [
                r[0]
                for r in led.conn.execute(
                    "SELECT DISTINCT account FROM claims WHERE pat_balance > 0 ORDER BY account"
                ).fetchall()
            ]
        )
        self.picker = w.Dropdown(options=accounts, description="Account:", style=_WIDE)
        self.body = _html("")
        super().__init__([self.picker, self.body], **kw)
        self.picker.observe(self._show, names="value")
        self._show()

    def _show(self, _: Any = None) -> None:
        if self.picker.value is None:
            self.body.value = "<i>No patient balances.</i>"
            return
        st = self.month.cycle.ledger.statement(
            self.picker.value, self.month.cycle.as_of, issue=False
        )
        self.body.value = st._repr_html_()


def _has_column(ledger: Any, column: str) -> bool:
    cols = [r[1] for r in ledger.conn.execute("PRAGMA table_info(claims)").fetchall()]
    return column in cols
