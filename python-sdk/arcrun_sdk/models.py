"""Response models of the arcrun API, generated from GET /openapi.json; do not edit by hand.

Regenerate with ``python3 python-sdk/scripts/gen_models.py`` (after ``npm run build``). The clients return
plain dicts; these TypedDicts describe them (``run: models.ExecutionResult = arc.runs.create(...)``), and
``RESPONSES`` maps each operationId and 2xx status to the model of that answer.
"""

from typing import Any, Dict, List, Optional, Union

from typing_extensions import Literal, NotRequired, TypedDict


class ApiKeyInfo(TypedDict):
    id: str
    prefix: Optional[str]
    ns: str
    role: Literal['admin', 'user']
    label: str
    created_at: str
    last_used_at: Optional[str]


class ErrorError(TypedDict):
    code: str
    message: str


class Error(TypedDict):
    error: 'ErrorError'


class Tenant(TypedDict):
    ns: str
    role: Literal['admin', 'user']
    label: str
    created_at: str


class ExecutionResultError(TypedDict):
    code: str
    message: str


class ExecutionResult(TypedDict):
    execution_id: str
    workflow: str
    status: Literal['succeeded', 'failed', 'waiting', 'running']
    output: NotRequired[Any]
    nodes: NotRequired[Dict[str, 'NodeRecord']]
    error: NotRequired['ExecutionResultError']
    kv_writes: float
    duration_ms: float
    idempotent_replay: NotRequired[bool]


class NodeRecordError(TypedDict):
    code: str
    message: str


class NodeRecordWarningsItem(TypedDict):
    code: str
    message: str


class NodeRecord(TypedDict):
    status: Literal['succeeded', 'failed', 'skipped', 'pending', 'running']
    data: NotRequired[Any]
    error: NotRequired['NodeRecordError']
    attempts: float
    duration_ms: float
    started_at: NotRequired[str]
    input: NotRequired[Any]
    reused: NotRequired[bool]
    warnings: NotRequired[List['NodeRecordWarningsItem']]
    logs: NotRequired[str]


class ExecutionAccepted(TypedDict):
    execution_id: str
    status: Literal['running']


class RegisteredWebhook(TypedDict):
    success: Literal[True]
    name: str
    version: float
    trigger_url: str


class WorkflowSummary(TypedDict):
    name: str
    version: float
    description: NotRequired[str]
    cron: NotRequired[str]
    updated_at: str


class Workflow(TypedDict):
    name: str
    version: float
    source: str
    description: NotRequired[str]
    cron: NotRequired[str]
    webhook_auth: Literal['api_key', 'hmac', 'none']
    created_at: str


class ExecutionSummary(TypedDict):
    id: str
    workflow: str
    status: Literal['running', 'succeeded', 'failed', 'waiting', 'interrupted']
    trigger: str
    started_at: str
    updated_at: str
    duration_ms: NotRequired[float]


class ExecutionError(TypedDict):
    code: str
    message: str


ExecutionRerunOf = TypedDict("ExecutionRerunOf", {"execution_id": str, "from": str, "version": float})


class Execution(TypedDict):
    id: str
    workflow: str
    version: float
    status: Literal['running', 'succeeded', 'failed', 'waiting', 'interrupted']
    trigger: str
    started_at: str
    updated_at: str
    finished_at: NotRequired[str]
    duration_ms: NotRequired[float]
    input: NotRequired[Any]
    output: NotRequired[Any]
    error: NotRequired['ExecutionError']
    nodes: Dict[str, 'NodeRecord']
    kv_writes: float
    resumes: NotRequired[float]
    rerun_of: NotRequired['ExecutionRerunOf']


class DiagnosticPos(TypedDict):
    line: float
    column: float
    flowColumn: NotRequired[float]


class Diagnostic(TypedDict):
    code: str
    message: str
    path: NotRequired[str]
    pos: NotRequired['DiagnosticPos']


class FlowGraphNodesItem(TypedDict):
    id: str
    component: Optional[str]
    role: str


FlowGraphEdgesItem = TypedDict("FlowGraphEdgesItem", {"from": str, "to": str, "kind": str})


class FlowGraph(TypedDict):
    nodes: List['FlowGraphNodesItem']
    edges: List['FlowGraphEdgesItem']
    order: List[str]
    outputs: List[str]


class CypherSearch(TypedDict):
    triplets: Union[List[str], str]
    mode: NotRequired[Literal['compile']]


class Session(TypedDict):
    ns: str
    role: Literal['admin', 'user']
    label: str
    expires_at: str


class CredentialMeta(TypedDict):
    name: str
    kid: Optional[str]
    created_at: str
    updated_at: str


class CredentialEnvelope(TypedDict):
    name: NotRequired[str]
    encrypted: str
    iv: str
    kid: NotRequired[str]


class ComponentManifest(TypedDict):
    name: str
    version: str
    description: str
    input_schema: Dict[str, Any]
    output_schema: Dict[str, Any]
    capabilities: List[str]
    allowed_hosts: List[str]
    language: NotRequired[str]


class ComponentCallResult(TypedDict):
    status: Literal['succeeded', 'pending', 'failed']
    data: NotRequired[Any]
    pending: NotRequired[Dict[str, Any]]
    logs: str
    duration_us: float
    host_calls: float


class ComponentLimits(TypedDict):
    timeout_ms: NotRequired[int]
    max_output_bytes: NotRequired[int]
    max_memory_pages: NotRequired[int]
    max_host_calls: NotRequired[int]
    fuel: NotRequired[int]


class RecipePush(TypedDict):
    recipe: Dict[str, Any]
    exposure_consent: NotRequired[Dict[str, Any]]


class RecipeCheck(TypedDict):
    credential: NotRequired[str]
    credentials: NotRequired[Dict[str, str]]
    timeout_ms: NotRequired[int]
    recipe: NotRequired[Dict[str, Any]]
    auth_recipe: NotRequired[Dict[str, Any]]
    exposure_consent: NotRequired[Dict[str, Any]]


class GetHealthResponseStorage(TypedDict):
    kv: str
    r2: str


class GetHealthResponse(TypedDict):
    ok: bool
    version: str
    storage: 'GetHealthResponseStorage'


class ListKeysResponse(TypedDict):
    keys: List['ApiKeyInfo']


class CreateKeyResponse(TypedDict):
    api_key: str
    tenant: 'Tenant'


class RevokeKeyResponse(TypedDict):
    revoked: 'ApiKeyInfo'
    propagation_seconds: float


class ListWebhooksResponseWorkflowsItem(TypedDict):
    name: str
    version: float


class ListWebhooksResponse(TypedDict):
    workflows: List['ListWebhooksResponseWorkflowsItem']


class DeleteWebhookResponse(TypedDict):
    deleted: Literal[True]
    name: str


class GetWebhookDefinitionResponse(TypedDict):
    name: str
    version: float
    description: NotRequired[str]
    yaml: str


class DeployWorkflowResponse(TypedDict):
    name: str
    version: float
    description: NotRequired[str]
    cron: NotRequired[str]
    webhook_auth: Literal['api_key', 'hmac', 'none']
    created_at: str


class DeleteWorkflowResponse(TypedDict):
    deleted: Literal[True]
    name: str


class ListWorkflowsResponse(TypedDict):
    workflows: List['WorkflowSummary']


class ListWorkflowVersionsResponseVersionsItem(TypedDict):
    version: float
    created_at: str


class ListWorkflowVersionsResponse(TypedDict):
    name: str
    versions: List['ListWorkflowVersionsResponseVersionsItem']


class TailExecutionsResponse(TypedDict):
    executions: List[Dict[str, Any]]
    cursor: str


class ListExecutionsResponse(TypedDict):
    executions: List['ExecutionSummary']
    cursor: Optional[str]


class ValidateWorkflowResponse(TypedDict):
    valid: bool
    errors: List['Diagnostic']
    warnings: List['Diagnostic']
    graph: NotRequired['FlowGraph']


class CompileFlowResponseCypherNodesItem(TypedDict):
    id: str


class CompileFlowResponseCypher(TypedDict):
    "The same graph in the original arcrun's shape (`componentId` per node)"
    nodes: List['CompileFlowResponseCypherNodesItem']
    edges: List[Any]


class CompileFlowResponse(TypedDict):
    mode: Literal['compile']
    graph: 'FlowGraph'
    cypher: 'CompileFlowResponseCypher'
    missing: List[str]


class DeleteSessionResponse(TypedDict):
    signed_out: Literal[True]


class GetCredentialKeyResponse(TypedDict):
    kid: Optional[str]
    next_kid: Optional[str]
    usage: NotRequired[Dict[str, float]]


class DeleteCredentialResponse(TypedDict):
    deleted: Literal[True]
    name: str


class ListCredentialsResponse(TypedDict):
    credentials: List['CredentialMeta']


class ListComponentsResponse(TypedDict):
    components: List['ComponentManifest']


class ListRecipesResponse(TypedDict):
    recipes: List[Dict[str, Any]]
    count: float


class ListAuthRecipesResponse(TypedDict):
    auth_recipes: List[Dict[str, Any]]
    count: float


# operationId -> HTTP status -> the model of that JSON answer (2xx only).
RESPONSES: Dict[str, Dict[int, Any]] = {
    "callComponent": {200: ComponentCallResult, 202: ComponentCallResult},
    "compileFlow": {200: CompileFlowResponse},
    "createKey": {201: CreateKeyResponse},
    "createRun": {200: ExecutionResult, 202: ExecutionAccepted},
    "createSession": {201: Session},
    "deleteCredential": {200: DeleteCredentialResponse},
    "deleteSession": {200: DeleteSessionResponse},
    "deleteWebhook": {200: DeleteWebhookResponse},
    "deleteWorkflow": {200: DeleteWorkflowResponse},
    "deployWorkflow": {200: DeployWorkflowResponse, 201: DeployWorkflowResponse},
    "getAuthRecipe": {200: Dict[str, Any]},
    "getComponent": {200: ComponentManifest},
    "getCredential": {200: Dict[str, Any]},
    "getCredentialKey": {200: GetCredentialKeyResponse},
    "getExecution": {200: Execution},
    "getHealth": {200: GetHealthResponse},
    "getRecipe": {200: Dict[str, Any]},
    "getWebhookDefinition": {200: GetWebhookDefinitionResponse},
    "getWhoami": {200: Tenant},
    "getWorkflow": {200: Workflow},
    "listAuthRecipes": {200: ListAuthRecipesResponse},
    "listComponents": {200: ListComponentsResponse},
    "listCredentials": {200: ListCredentialsResponse},
    "listExecutions": {200: ListExecutionsResponse},
    "listKeys": {200: ListKeysResponse},
    "listRecipes": {200: ListRecipesResponse},
    "listWebhooks": {200: ListWebhooksResponse},
    "listWorkflowVersions": {200: ListWorkflowVersionsResponse},
    "listWorkflows": {200: ListWorkflowsResponse},
    "queryWebhook": {200: Any},
    "queryWebhookByNamespace": {200: Any},
    "queryWebhookGet": {200: Any},
    "registerWebhook": {200: RegisteredWebhook, 201: RegisteredWebhook},
    "rerunExecution": {200: ExecutionResult, 202: ExecutionAccepted},
    "resumeExecution": {200: ExecutionResult},
    "reviewRecipe": {200: Dict[str, Any]},
    "revokeKey": {200: RevokeKeyResponse},
    "runRecipe": {200: Dict[str, Any]},
    "seedRecipes": {200: Dict[str, Any]},
    "setAuthRecipe": {200: Dict[str, Any], 201: Dict[str, Any]},
    "setCredential": {200: CredentialMeta, 201: CredentialMeta},
    "setRecipe": {200: Dict[str, Any], 201: Dict[str, Any]},
    "tailExecutions": {200: TailExecutionsResponse},
    "testAuthRecipe": {200: Dict[str, Any]},
    "testRecipe": {200: Dict[str, Any]},
    "triggerWebhook": {200: ExecutionResult, 202: ExecutionAccepted},
    "triggerWebhookByNamespace": {200: ExecutionResult, 202: ExecutionAccepted},
    "validateWorkflow": {200: ValidateWorkflowResponse},
}
