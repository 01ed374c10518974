"""Every REST operation of the server, by its OpenAPI operationId: method, path, the client method that calls
it, and the server's own pydantic model of its answer (from app/schemas*.py, so the client cannot drift).

tests/client/test_operations.py checks this table against /openapi.json both ways: every operation has a client
method here, and every entry here is an operation of the server with the same method and path.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from pydantic import TypeAdapter

from app.schemas import (
    DataPoints,
    Flow,
    GradField,
    Health,
    History,
    RunState,
    RunSummary,
    StepResult,
    Surface,
)
from app.schemas_classroom import Board, ChallengeInfo, Watched, WatchInfo
from app.schemas_network import (
    BackpropTable,
    Explanation,
    HiddenGrids,
    Lesson,
    LossCompare,
    LossLine,
    LossSlice,
    NetworkData,
    NetworkWeights,
    Outputs,
    Prediction,
)
from app.schemas_saved import RunConfig, RunExport, SavedRecord, SavedRun


class Operation(NamedTuple):
    """One REST operation: how it is called and what the answer is read as (None: no body, or plain JSON)."""

    method: str
    path: str
    caller: str  # "Client.create", "Run.step", "Challenge.board": the client method that calls it
    answer: Any = None


def _list(model: Any) -> Any:
    return TypeAdapter(list[model])


RUN = "/api/runs/{run_id}"
OPERATIONS: dict[str, Operation] = {
    # runs
    "list_runs_api_runs_get": Operation("GET", "/api/runs", "Client.runs", _list(RunSummary)),
    "create_run_api_runs_post": Operation("POST", "/api/runs", "Client.create", RunState),
    "get_run_api_runs__run_id__get": Operation("GET", RUN, "Run.refresh", RunState),
    "patch_run_api_runs__run_id__patch": Operation("PATCH", RUN, "Run.set", RunState),
    "delete_run_api_runs__run_id__delete": Operation("DELETE", RUN, "Run.delete"),
    "step_run_api_runs__run_id__step_post": Operation("POST", RUN + "/step", "Run.step", StepResult),
    "reset_run_api_runs__run_id__reset_post": Operation("POST", RUN + "/reset", "Run.reset", RunState),
    "add_racer_api_runs__run_id__racers_post": Operation("POST", RUN + "/racers", "Run.add_racer", RunState),
    "remove_racer_api_runs__run_id__racers__racer__delete": Operation(
        "DELETE", RUN + "/racers/{racer}", "Run.remove_racer", RunState),
    "run_data_api_runs__run_id__data_get": Operation(
        "GET", RUN + "/data", "Run.data", TypeAdapter(NetworkData | DataPoints)),
    "history_api_runs__run_id__history_get": Operation("GET", RUN + "/history", "Run.history", History),
    # share
    "run_config_api_runs__run_id__config_get": Operation("GET", RUN + "/config", "Run.config", RunConfig),
    "export_run_api_runs__run_id__export_get": Operation("GET", RUN + "/export", "Run.export", RunExport),
    "import_run_api_runs_import_post": Operation("POST", "/api/runs/import", "Client.import_run", RunState),
    # saved
    "save_run_api_runs__run_id__save_post": Operation("POST", RUN + "/save", "Run.save", SavedRun),
    "list_saved_api_saved_get": Operation("GET", "/api/saved", "Client.saved", _list(SavedRun)),
    "get_saved_run_api_saved__sid__get": Operation("GET", "/api/saved/{sid}", "Client.saved_run", SavedRecord),
    "delete_saved_api_saved__sid__delete": Operation("DELETE", "/api/saved/{sid}", "Client.delete_saved"),
    "open_saved_api_saved__sid__open_post": Operation("POST", "/api/saved/{sid}/open", "Client.open_saved", RunState),
    # landscape
    "surface_api_runs__run_id__surface_get": Operation("GET", RUN + "/surface", "Run.surface", Surface),
    "field_api_runs__run_id__field_get": Operation("GET", RUN + "/field", "Run.field", GradField),
    "flow_api_runs__run_id__flow_get": Operation("GET", RUN + "/flow", "Run.flow", Flow),
    # network
    "network_api_runs__run_id__network_get": Operation("GET", RUN + "/network", "Run.network", NetworkWeights),
    "set_weight_api_runs__run_id__network_patch": Operation(
        "PATCH", RUN + "/network", "Run.set_weight", NetworkWeights),
    "predict_grid_api_runs__run_id__predict_get": Operation("GET", RUN + "/predict", "Run.predict", Prediction),
    "predict_points_api_runs__run_id__predict_post": Operation(
        "POST", RUN + "/predict", "Run.predict_points", Outputs),
    "hidden_api_runs__run_id__hidden_get": Operation("GET", RUN + "/hidden", "Run.hidden", HiddenGrids),
    # lecture
    "backprop_api_runs__run_id__backprop_get": Operation("GET", RUN + "/backprop", "Run.backprop", BackpropTable),
    "run_loss_compare_api_runs__run_id__loss_compare_get": Operation(
        "GET", RUN + "/loss-compare", "Run.loss_compare", LossCompare),
    "default_loss_compare_api_loss_compare_get": Operation(
        "GET", "/api/loss-compare", "Client.loss_compare", LossCompare),
    "loss_slice_api_runs__run_id__slice_get": Operation("GET", RUN + "/slice", "Run.slice", LossSlice),
    "loss_line_api_runs__run_id__line_get": Operation("GET", RUN + "/line", "Run.line", LossLine),
    "explain_api_runs__run_id__explain_get": Operation("GET", RUN + "/explain", "Run.explain", Explanation),
    "get_lessons_api_lessons_get": Operation("GET", "/api/lessons", "Client.lessons", _list(Lesson)),
    # classroom (descent/classroom.py: Watched, Challenge, Attempt)
    "start_watch_api_runs__run_id__watch_post": Operation("POST", RUN + "/watch", "Run.watch", WatchInfo),
    "read_watch_api_runs__run_id__watch_get": Operation("GET", RUN + "/watch", "Run.watching", WatchInfo),
    "end_watch_api_runs__run_id__watch_delete": Operation("DELETE", RUN + "/watch", "Run.end_watch"),
    "fork_run_api_runs__run_id__fork_post": Operation("POST", RUN + "/fork", "Run.fork", RunState),
    "watched_api_watch__token__get": Operation("GET", "/api/watch/{token}", "Watched.refresh", Watched),
    "fork_watched_api_watch__token__fork_post": Operation(
        "POST", "/api/watch/{token}/fork", "Watched.fork", RunState),
    "create_challenge_api_runs__run_id__challenge_post": Operation(
        "POST", RUN + "/challenge", "Run.challenge", ChallengeInfo),
    "read_challenge_api_challenges__cid__get": Operation(
        "GET", "/api/challenges/{cid}", "Challenge.refresh", ChallengeInfo),
    "board_api_challenges__cid__board_get": Operation("GET", "/api/challenges/{cid}/board", "Challenge.board", Board),
    "paths_api_challenges__cid__paths_get": Operation("GET", "/api/challenges/{cid}/paths", "Challenge.paths"),
    "start_attempt_api_challenges__cid__attempts_post": Operation(
        "POST", "/api/challenges/{cid}/attempts", "Challenge.join"),
    "read_attempt_api_attempts__aid__get": Operation("GET", "/api/attempts/{aid}", "Attempt.refresh"),
    # registry
    "get_registry_api_registry_get": Operation("GET", "/api/registry", "Client.registry"),
    "health_api_health_get": Operation("GET", "/api/health", "Client.health", Health),
}
BY_CALLER = {op.caller: op_id for op_id, op in OPERATIONS.items()}


def read(op_id: str, data: Any) -> Any:
    """An answer of `op_id` as the server's model says (plain JSON where the operation has no model)."""
    answer = OPERATIONS[op_id].answer
    if answer is None or data is None:
        return data
    if isinstance(answer, TypeAdapter):
        return answer.validate_python(data)
    return answer.model_validate(data)
