"""The simulated world: practice, patients, coverage, encounters, claims, clearinghouse,
payers, remittances, ledger and appeals (see DESIGN.md). Built up issue by issue; this
package depends on ``codesets`` only."""
