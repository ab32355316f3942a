"""The cycle widgets (exercises.widgets.cycle) and the mock-exam widget, driven in Python on
one small simulated month (seed 7, 150 encounters, multispecialty clinic): every widget is
built, values are set and buttons clicked, and the real outcomes are asserted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exercises.widgets import cycle as cw
from exercises.widgets.exam import MockExam, collect, remaining_text


@pytest.fixture(scope="module")
def month():
    return cw.practice_month(7, 150, "multispecialty-clinic")


def test_eob_viewer_shows_eob_steps_codes_and_835(month):
    v = cw.EOBViewer(month)
    adj = cw.denied(month)[0]
    v.picker.value = adj.claim.id
    assert adj.claim.id in v.eob.value and "patient owes" in v.eob.value
    assert "1 patient identified" in v.steps.value
    code = cw.denial_code(adj)
    assert code in v.codes.value  # the CARC with its meaning from codesets.adjustments
    assert v.raw.value.count("CLP*") >= 1 and "ST*835*" in v.raw.value
    assert adj.payer_claim_number in v.raw.value


def test_denial_queue_verdicts_follow_the_cycle_rules(month):
    q = cw.DenialQueue(month)
    assert len(q.rows) == len(cw.denied(month)) > 0
    first, second = q.rows[0]["claim"], q.rows[1]["claim"]
    want1, _ = cw.expected_action(month.cycle.first_pass[first])
    want2, _why2 = cw.expected_action(month.cycle.first_pass[second])
    q.choosers[first].value = want1
    q.choosers[second].value = "bill-patient" if want2 != "bill-patient" else "write-off"
    q.check_button.click()
    assert q.check() == {first: True, second: False}
    assert "&#10003;" in q.verdicts[first].value
    assert f"the rule says <b>{want2}</b>" in q.verdicts[second].value
    assert "1 of 2" in q.summary.value
    # CO-31 (patient not identified): verify eligibility, fix the insured, resubmit
    co31 = next(a for a in cw.denied(month) if cw.denial_code(a) == "CO-31")
    assert cw.expected_action(co31)[0] == "update-coverage-and-resubmit"
    # the payer's mistake is appealed whatever its CARC
    err = next(a for a in cw.denied(month) if a.payer_error)
    assert cw.expected_action(err)[0] == "appeal"


def test_appeal_composer_overturns_a_payer_error_with_records(month):
    err = next(a for a in cw.denied(month) if a.payer_error)
    c = cw.AppealComposer(month)
    c.picker.value = err.claim.id
    assert err.payer_claim_number in c.letter.value
    c.send_button.click()  # nothing chosen: a one-line message, no decision
    assert c.decision is None and "Please fix" in c.decision_html.value
    c.grounds.value = ("payer-processing-error",)
    c.attachments.value = ("copy-of-remittance",)  # does not cure the error
    c.send_button.click()
    assert c.decision.outcome == "upheld"
    c.attachments.value = ("medical-records",)
    c.send_button.click()
    assert c.decision.outcome == "overturned"
    assert c.decision.adjudication.remit.paid > 0 or c.decision.adjudication.remit.status == "1"
    assert "OVERTURNED" in c.decision_html.value


def test_appeal_of_a_registration_denial_is_upheld(month):
    co31 = next(a for a in cw.denied(month) if cw.denial_code(a) == "CO-31")
    d = cw.send_appeal(month, co31.claim.id, ("coverage-was-active",), ("medical-records",), "x")
    assert d.outcome == "upheld"


def test_posting_grid_scores_one_with_the_remittance_numbers(month):
    g = cw.PostingGrid(month)
    key = next(k for k, rc in g.claims.items() if len(rc.lines) >= 2 and rc.paid > 0)
    g.picker.value = key
    rc = g.remit_claim
    for row, ln in zip(g.cells, rc.lines, strict=True):
        row["allowed"].value = str(ln.allowed)
        row["paid"].value = str(ln.paid)
        row["contractual"].value = str(ln.contractual)
        row["patient_responsibility"].value = str(ln.patient_responsibility)
    g.check_button.click()
    assert g.check() == 1.0 and "every amount matches" in g.feedback.value
    g.cells[0]["paid"].value = str(rc.lines[0].paid + 1)
    assert g.check() < 1.0 and "lines[0].paid" in g.feedback.value
    g.cells[0]["paid"].value = "twelve"
    assert g.check() == 0.0 and "Please fix" in g.feedback.value


def _modifier_25_claim(month):
    """A paid claim whose E/M carries modifier 25 beside a procedure that NCCI bundles."""
    for a in cw.first_pass(month):
        for ln in a.claim.lines:
            if "25" in ln.modifiers and len(a.claim.lines) > 1 and not a.denied:
                r = cw.what_if(month, a.claim.id, line=ln.number, modifier="25")
                if any(c.endswith("-97") for c in r.after.carcs):
                    return a, ln
    pytest.fail("no E/M with modifier 25 that NCCI bundles without it in the month")


def test_what_if_removing_and_adding_modifier_25_changes_paid(month):
    adj, ln = _modifier_25_claim(month)
    p = cw.WhatIfPanel(month, claim_id=adj.claim.id)
    p.line.value = ln.number
    p.modifier.value = "25"
    p.run_button.click()
    r = p.replay
    assert "removed" in r.change
    assert r.before.remit.paid > 0 and not r.before.denied
    assert r.after.remit.paid < r.before.remit.paid
    assert any(c.endswith("-97") for c in r.after.carcs)  # bundled without the modifier
    # adding it back to the changed claim restores the payment
    changed, _ = cw.change_claim(adj.claim, line=ln.number, modifier="25")
    back, what = cw.change_claim(changed, line=ln.number, modifier="25")
    assert "added" in what and back.lines[ln.number - 1].modifiers[0] == "25"
    assert "as billed" in p.out.value and "changed" in p.out.value


def test_what_if_plan_and_diagnosis(month):
    adj = next(a for a in cw.first_pass(month) if len(cw.plan_options(month, a)) > 1)
    plans = [pid for _, pid in cw.plan_options(month, adj)]
    current = month.cycle.payers.coverage_for(adj.claim).plan_id
    other = next(p for p in plans if p != current)
    r = cw.what_if(month, adj.claim.id, plan=other)
    assert r.after.plan.id == other and r.before.plan.id == current
    dx = adj.claim.diagnoses[-1]
    changed, _what = cw.change_claim(adj.claim, diagnosis=dx)
    assert changed.diagnoses[0] == dx and set(changed.diagnoses) == set(adj.claim.diagnoses)


def test_the_month_is_not_changed_by_what_ifs(month):
    before = month.cycle.kpis()["insurance_payments"]
    adj, ln = _modifier_25_claim(month)
    cw.what_if(month, adj.claim.id, line=ln.number, modifier="25")
    assert month.cycle.first_pass[adj.claim.id].remit.paid == adj.remit.paid
    assert month.cycle.kpis()["insurance_payments"] == before


def test_charts_and_weekly_kpis(month):
    t = cw.weekly_kpis(month)
    assert len(t) >= 4 and (t["charges"] >= 0).all()
    total = sum(float(a.claim.total_charge) for a in cw.first_pass(month))
    assert t["charges"].sum() == pytest.approx(total, abs=0.05)
    for fig in (cw.pareto_chart(month), cw.trend_chart(month), cw.aging_chart(month)):
        assert fig.axes
    pareto = cw.pareto_chart(month)
    bars = [p.get_height() for p in pareto.axes[0].patches]
    assert bars == sorted(bars, reverse=True)
    assert pareto.axes[1].lines[0].get_ydata()[-1] == pytest.approx(100)


def test_capstone_runs_a_month_and_fills_the_dashboard():
    c = cw.Capstone(seed=3, encounters=60, practice="family-practice")
    c.run_button.click()
    assert c.bar.value == c.bar.max
    assert len(c.cards.children) == 4 and "Days in A/R" in c.cards.children[3].value
    assert len(c.charts.children) == 3 and all(i.value[:4] == b"\x89PNG" for i in c.charts.children)
    titles = [c.tabs.get_title(i) for i in range(len(c.tabs.children))]
    assert titles == ["Work queue", "Appeals", "Posting", "Patient statements", "What if"]
    sv = c.tabs.children[3]
    assert sv.picker.options and "Statement for" in sv.body.value


def test_worked_examples_are_deterministic(month, capsys):
    for module in ("07-adjudication", "08-denials", "09-appeals", "10-posting-and-ar"):
        cw.worked_example(module, month)
        first = capsys.readouterr().out
        cw.worked_example(module, month)
        assert capsys.readouterr().out == first and first.strip()
    with pytest.raises(ValueError, match="no cycle example"):
        cw.worked_example("02-diagnosis-coding", month)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_expected_action_is_a_design_action(month, data):
    from exercises.check.denial import ACTIONS

    adj = data.draw(st.sampled_from(cw.denied(month)))
    action, why = cw.expected_action(adj)
    assert action in ACTIONS and cw.denial_code(adj) in why


def test_mock_exam_one_item_at_a_time_then_scored(tmp_path):
    from exercises.progress import Progress

    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    store = Progress(tmp_path / "progress.sqlite")
    m = MockExam("cpb", seed=1, progress=store)
    m.start(started_at=t0)
    n = len(m.exam.items)
    assert n > 10 and len(m.body.children) == 1 and len(m.widgets) == 1
    assert "4:00:00" in remaining_text(m.exam, t0) or "left of" in remaining_text(m.exam, t0)
    # answer the multiple-choice items of the first five with their keys
    right = 0
    for i in range(5):
        m.go(i)
        ew = m.widgets[i]
        if ew.exercise.kind == "multiple-choice":
            ew.editor.choices.value = ew.exercise.answer["choice"]
            ew.check_button.click()
            assert "Answer saved" in ew.feedback.value  # exam mode: no feedback yet
            right += 1
    m.next.click()
    assert m.index == 5 and len(m.widgets) == 6
    assert len(collect(m.widgets)) >= right
    res = m.submit(finished_at=t0 + timedelta(minutes=30))
    assert res.points >= right and "%" in m.result_html.value
    assert m.chart.value[:4] == b"\x89PNG" and m.submit_button.disabled
    # the submitted answers are in the learner's progress, as exam attempts
    attempts = store.attempts()
    assert len(attempts) == len(res.results) and set(attempts["mode"]) == {"exam"}
    # the same exam and seed give the same items
    again = MockExam("cpb", seed=1)
    again.start(started_at=t0)
    assert [it.id for it in again.exam.items] == [it.id for it in m.exam.items]
    assert Decimal(str(res.percent)) >= 0


def test_capstone_kpis_move_with_the_learners_decisions():
    """Working the queue the rules' way collects more than leaving it, and a careless
    choice (appeal everything) collects less than the rules'."""
    c = cw.Capstone(seed=7, encounters=150, practice="family-practice")
    c.run()
    assert c.finish() is None and "at least one" in c.outcome.value
    for claim_id, dd in c.queue.choosers.items():
        dd.value = cw.expected_action(c.month.cycle.first_pass[claim_id])[0]
    c.apply_button.click()
    rows = dict((n, (a, b, r)) for n, a, b, r in cw.compare_decisions(c.month, _choices(c)))
    idle, yours, rules = (float(x.rstrip(" %")) for x in rows["Net collection rate"])
    assert yours == rules > idle
    assert "your decisions" in c.outcome.value
    for dd in c.queue.choosers.values():
        dd.value = "appeal"
    careless = dict((n, b) for n, _, b, _ in cw.compare_decisions(c.month, _choices(c)))
    assert float(careless["Net collection rate"].rstrip(" %")) < rules


def _choices(c):
    return {cid: dd.value for cid, dd in c.queue.choosers.items() if dd.value}
