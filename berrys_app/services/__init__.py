"""Business logic: one module (or package) per bounded context of the seed design.

Routes, Reflex handlers and worker jobs are thin callers of these functions;
authorization, validation, state transitions and events live here.
"""
