"""The payer engine, the cycle and the checkers speak one vocabulary: every appeal ground
and attachment the simulator uses is one a learner can pick, and every work-queue action is
one of DESIGN.md's denial-analysis actions."""

from __future__ import annotations

from exercises.check import appeal, denial
from sim import cycle
from sim.payer.followup import CURES
from sim.payer.policies import load_policies


def test_payer_error_cures_are_attachments_a_learner_can_choose():
    for plan_id, policy in load_policies().items():
        for spec in policy.payer_errors:
            assert set(spec.cures) <= set(appeal.ATTACHMENTS), (plan_id, spec.cures)


def test_documents_that_cure_a_denial_are_attachments():
    for carc, docs in CURES.items():
        assert set(docs) <= set(appeal.ATTACHMENTS), carc


def test_the_cycle_appeals_with_the_checker_vocabulary():
    for carc, (grounds, attachments) in cycle._APPEAL_BASIS.items():
        assert set(grounds) <= set(appeal.GROUNDS), carc
        assert set(attachments) <= set(appeal.ATTACHMENTS), carc
    assert "payer-processing-error" in appeal.GROUNDS


def test_work_queue_actions_are_design_actions():
    names = {"correct": "correct-and-resubmit", "update-coverage": "update-coverage-and-resubmit"}
    for carc, action in cycle.ACTIONS.items():
        assert names.get(action, action) in denial.ACTIONS, (carc, action)
