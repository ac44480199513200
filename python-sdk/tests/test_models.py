"""arcrun_sdk/models.py is what scripts/gen_models.py makes of the running platform's /openapi.json."""

import importlib.util
import pathlib

SDK = pathlib.Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_models", SDK / "scripts" / "gen_models.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_models_match_the_document(openapi):
    committed = (SDK / "arcrun_sdk" / "models.py").read_text("utf-8")
    assert committed == _generator().render(openapi), "run: python3 python-sdk/scripts/gen_models.py"


def test_every_operation_with_a_json_answer_has_a_model(openapi):
    from arcrun_sdk import models

    for item in openapi["paths"].values():
        for op in item.values():
            for code, answer in op["responses"].items():
                if code.startswith("2") and "application/json" in (answer.get("content") or {}):
                    assert int(code) in models.RESPONSES[op["operationId"]], (op["operationId"], code)


def test_a_changed_document_changes_the_models(openapi):
    import copy

    doc = copy.deepcopy(openapi)
    doc["components"]["schemas"]["ExecutionAccepted"]["properties"]["queued_at"] = {"type": "string"}
    assert "queued_at: NotRequired[str]" in _generator().render(doc)
    assert "queued_at" not in (SDK / "arcrun_sdk" / "models.py").read_text("utf-8")
