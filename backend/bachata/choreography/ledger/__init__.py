"""The event-sourced task ledger.

Every change of a choreography task is an event appended to `task_events`; the legacy columns of
`choreography_tasks` are a projection of those events, written in the same transaction. See
docs/architecture.md ("The task ledger") for the vocabulary and the state machine.
"""
