"""Worked examples for the notebooks: each prints a short, deterministic walk-through made
from the code sets, the checkers and the simulator (nbval compares this output, so nothing
here may depend on time, the progress store or the bank's size).

``worked_example(module)`` prints the example of a module; the functions below are the
examples themselves, one per notebook.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from exercises.model import Exercise


def _check_key(exercise: Exercise, response: dict) -> str:
    from exercises.check import check

    r = check(exercise, response)
    return f"{'correct' if r.correct else 'not correct'}, score {r.score:.0%}"


def _bank(module: str, exercise_id: str) -> Exercise:
    from exercises.widgets.model import bank_exercises

    for ex in bank_exercises(module):
        if ex.id == exercise_id:
            return ex
    raise LookupError(f"exercises/bank/{module}/{exercise_id}.yaml is missing")


def code_sets() -> None:
    """01: one code from each code set, looked up and judged."""
    from codesets import cpt, hcpcs, icd10cm

    for text in ("E11.22", "E11.2", "S52.521", "S52.521A"):
        print(icd10cm.validate(text).message)
    c = cpt.lookup("20610")
    print(f"CPT 20610 ({c.section}): {c.description}")
    h = hcpcs.lookup("J3301")
    print(f"HCPCS J3301: {h.description} (active: {'yes' if h.active else 'no'})")


def diagnosis_coding() -> None:
    """02: the diabetes + CKD note coded, sequenced and checked."""
    from codesets import icd10cm

    ex = _bank("02-diagnosis-coding", "dx-diabetes-ckd-001")
    codes = ["E11.22", "N18.31", "Z79.84"]
    for code in codes:
        print(icd10cm.validate(code).message)
    conflicts = icd10cm.excludes1_conflicts(codes)
    print(f"Excludes1 conflicts: {len(conflicts)}")
    print(f"{ex.id} with {', '.join(codes)}: {_check_key(ex, {'diagnoses': codes})}")


def procedure_coding() -> None:
    """03: an E/M with a joint injection the same day, NCCI and MUE looked up."""
    from codesets import ncci

    v = ncci.check_pair("99214", "20610")
    print(f"99214 + 20610 without a modifier: allowed={v.allowed if v else True}")
    v = ncci.check_pair("99214", "20610", modifiers_a=["25"])
    print(f"99214-25 + 20610: allowed={v.allowed if v else True}")
    print(f"MUE for 20610: {ncci.mue('20610').value} per day")
    ex = _bank("03-procedure-coding", "proc-knee-injection-001")
    print(f"{ex.id} with its key: {_check_key(ex, ex.answer)}")


def eligibility() -> None:
    """04: what the patient owes for one visit, step by step (deductible, then coinsurance)."""
    from decimal import Decimal

    allowed, deductible_left, coinsurance = Decimal("200.00"), Decimal("50.00"), Decimal("0.20")
    to_deductible = min(allowed, deductible_left)
    coins = ((allowed - to_deductible) * coinsurance).quantize(Decimal("0.01"))
    print(f"allowed amount:            ${allowed}")
    print(f"applied to the deductible: ${to_deductible}")
    print(f"coinsurance 20% of ${allowed - to_deductible}: ${coins}")
    print(f"patient owes:              ${to_deductible + coins}")
    print(f"plan pays:                 ${allowed - to_deductible - coins}")


def _sample_claim(seed: int = 7):  # -> sim.claims.Claim
    from sim import claims
    from sim.simulate import simulate

    return claims.of_result(simulate(seed, 3, claims=False, workers=1))[0]


def claim_forms() -> None:
    """05: a simulated visit's claim printed into CMS-1500 boxes."""
    from sim import cms1500

    boxes = cms1500.to_boxes(_sample_claim())
    for box in ("1", "2", "3", "21", "21.A", "24A.1", "24B.1", "24D.1", "24E.1", "24F.1", "28"):
        print(f"box {box:6} {boxes.get(box, '')}")


def submission() -> None:
    """06: the scrubber's findings on a claim with a seeded coding flaw."""
    from sim import claims
    from sim.clearinghouse.scrubber import scrub
    from sim.simulate import simulate

    run = simulate(4, 6, claims=False, flaw_rate=1.0, workers=1)
    claim = next(c for c in claims.of_result(run) if scrub(c))
    findings = scrub(claim)
    print(f"claim {claim.id}: {len(findings)} finding(s)")
    for f in findings[:3]:
        print(f"- box {f.box} [{f.severity}, 277CA {f.category}:{f.status_code}] {f.rule}")


def start_here() -> None:
    """00: the modules of the learner path (exercises/catalog.yaml)."""
    from pathlib import Path

    import yaml

    catalog = Path(__file__).resolve().parents[1] / "catalog.yaml"
    modules = yaml.safe_load(catalog.read_text(encoding="utf-8"))["modules"]
    for module, title in modules.items():
        print(f"{module:22} {title}")


EXAMPLES: dict[str, Callable[[], None]] = {
    "00-start-here": start_here,
    "01-code-sets": code_sets,
    "02-diagnosis-coding": diagnosis_coding,
    "03-procedure-coding": procedure_coding,
    "04-eligibility": eligibility,
    "05-claim-forms": claim_forms,
    "06-submission": submission,
}


def worked_example(module: str) -> None:
    """Print the worked example of ``module`` (one of :data:`EXAMPLES`)."""
    example = EXAMPLES.get(module)
    if example is None:
        raise ValueError(
            f"module {module!r} has no worked example (modules: {', '.join(EXAMPLES)})"
        )
    example()


def sample_claim_form() -> Any:
    """05: the sample claim drawn as a CMS-1500 (sim.cms1500.render_html), for display."""
    from IPython.display import HTML

    from sim import cms1500

    return HTML(cms1500.render_html(_sample_claim()))
