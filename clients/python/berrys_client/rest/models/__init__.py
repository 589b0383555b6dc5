"""Contains all the data models used in inputs/outputs"""

from .accepted import Accepted
from .agent_budget import AgentBudget
from .agent_public import AgentPublic
from .agent_state_change_public import AgentStateChangePublic
from .agent_template_public import AgentTemplatePublic
from .agent_tools import AgentTools
from .agent_tools_update import AgentToolsUpdate
from .api_key_created import ApiKeyCreated
from .api_key_in import ApiKeyIn
from .api_key_in_scopes_item import ApiKeyInScopesItem
from .api_key_public import ApiKeyPublic
from .approval_policy import ApprovalPolicy
from .approval_public import ApprovalPublic
from .approval_public_details import ApprovalPublicDetails
from .approval_status import ApprovalStatus
from .artifact_public import ArtifactPublic
from .audit_public import AuditPublic
from .audit_public_details import AuditPublicDetails
from .comment_in import CommentIn
from .comment_public import CommentPublic
from .connection_check_public import ConnectionCheckPublic
from .credential_binding import CredentialBinding
from .credential_create import CredentialCreate
from .credential_create_secret import CredentialCreateSecret
from .credential_kind import CredentialKind
from .credential_public import CredentialPublic
from .credential_use_public import CredentialUsePublic
from .day_usage import DayUsage
from .decision_in import DecisionIn
from .deliverable_public import DeliverablePublic
from .delivery_status import DeliveryStatus
from .dependency_in import DependencyIn
from .dependency_in_type import DependencyInType
from .diff_row_public import DiffRowPublic
from .email_in import EmailIn
from .error_entry import ErrorEntry
from .event_kind import EventKind
from .event_public import EventPublic
from .event_public_payload import EventPublicPayload
from .file_content import FileContent
from .file_in import FileIn
from .fork_in import ForkIn
from .fork_in_inputs import ForkInInputs
from .fork_in_mode import ForkInMode
from .hook_accepted import HookAccepted
from .invitation_link_in import InvitationLinkIn
from .invitation_view import InvitationView
from .lineage_public import LineagePublic
from .list_meta import ListMeta
from .list_of_agent_public import ListOfAgentPublic
from .list_of_agent_state_change_public import ListOfAgentStateChangePublic
from .list_of_agent_template_public import ListOfAgentTemplatePublic
from .list_of_api_key_public import ListOfApiKeyPublic
from .list_of_approval_public import ListOfApprovalPublic
from .list_of_artifact_public import ListOfArtifactPublic
from .list_of_audit_public import ListOfAuditPublic
from .list_of_comment_public import ListOfCommentPublic
from .list_of_credential_public import ListOfCredentialPublic
from .list_of_credential_use_public import ListOfCredentialUsePublic
from .list_of_deliverable_public import ListOfDeliverablePublic
from .list_of_diff_row_public import ListOfDiffRowPublic
from .list_of_event_public import ListOfEventPublic
from .list_of_invitation_view import ListOfInvitationView
from .list_of_lineage_public import ListOfLineagePublic
from .list_of_mcp_server_public import ListOfMcpServerPublic
from .list_of_member_view import ListOfMemberView
from .list_of_model_public import ListOfModelPublic
from .list_of_plan_version_public import ListOfPlanVersionPublic
from .list_of_project_public import ListOfProjectPublic
from .list_of_project_template_public import ListOfProjectTemplatePublic
from .list_of_project_tool_policy_public import ListOfProjectToolPolicyPublic
from .list_of_session_public import ListOfSessionPublic
from .list_of_task_public import ListOfTaskPublic
from .list_of_team_view import ListOfTeamView
from .list_of_template_tools import ListOfTemplateTools
from .list_of_tool_call_public import ListOfToolCallPublic
from .list_of_tool_public import ListOfToolPublic
from .list_of_trigger_public import ListOfTriggerPublic
from .list_of_trigger_run_public import ListOfTriggerRunPublic
from .list_of_webhook_delivery_public import ListOfWebhookDeliveryPublic
from .list_of_webhook_endpoint_public import ListOfWebhookEndpointPublic
from .live_response_live_health_live_get import LiveResponseLiveHealthLiveGet
from .login_in import LoginIn
from .mcp_server_create import McpServerCreate
from .mcp_server_create_env import McpServerCreateEnv
from .mcp_server_create_headers import McpServerCreateHeaders
from .mcp_server_public import McpServerPublic
from .mcp_server_public_env import McpServerPublicEnv
from .mcp_server_public_headers import McpServerPublicHeaders
from .mcp_transport import McpTransport
from .me_public import MePublic
from .member_in import MemberIn
from .member_view import MemberView
from .model_entry_create import ModelEntryCreate
from .model_entry_update import ModelEntryUpdate
from .model_public import ModelPublic
from .model_usage import ModelUsage
from .oidc_login_to import OidcLoginTo
from .optional_reason_in import OptionalReasonIn
from .plan_in import PlanIn
from .plan_requested import PlanRequested
from .plan_task_in import PlanTaskIn
from .plan_version_public import PlanVersionPublic
from .plan_version_public_diff import PlanVersionPublicDiff
from .plan_version_public_plan import PlanVersionPublicPlan
from .presence import Presence
from .problem import Problem
from .project_in import ProjectIn
from .project_public import ProjectPublic
from .project_status import ProjectStatus
from .project_template_create import ProjectTemplateCreate
from .project_template_public import ProjectTemplatePublic
from .project_template_update import ProjectTemplateUpdate
from .project_tool_policy_public import ProjectToolPolicyPublic
from .project_tool_policy_public_arguments_schema_type_0 import ProjectToolPolicyPublicArgumentsSchemaType0
from .project_trace import ProjectTrace
from .project_update import ProjectUpdate
from .reason_in import ReasonIn
from .refresh_in import RefreshIn
from .register_in import RegisterIn
from .rejection_in import RejectionIn
from .reset_in import ResetIn
from .role import Role
from .role_in import RoleIn
from .sandbox_public import SandboxPublic
from .scopes_response_scopes_api_v1_scopes_get import ScopesResponseScopesApiV1ScopesGet
from .session_public import SessionPublic
from .start_from_template import StartFromTemplate
from .start_from_template_params import StartFromTemplateParams
from .task_edits import TaskEdits
from .task_public import TaskPublic
from .task_transcript import TaskTranscript
from .team_agent import TeamAgent
from .team_default_model import TeamDefaultModel
from .team_in import TeamIn
from .team_usage import TeamUsage
from .team_view import TeamView
from .template_body import TemplateBody
from .template_body_plan_type_0 import TemplateBodyPlanType0
from .template_body_project import TemplateBodyProject
from .template_parameter import TemplateParameter
from .template_tools import TemplateTools
from .template_tools_update import TemplateToolsUpdate
from .token_in import TokenIn
from .token_pair import TokenPair
from .tool_call_public import ToolCallPublic
from .tool_call_public_arguments import ToolCallPublicArguments
from .tool_create import ToolCreate
from .tool_create_config import ToolCreateConfig
from .tool_create_parameters_schema import ToolCreateParametersSchema
from .tool_create_result_schema_type_0 import ToolCreateResultSchemaType0
from .tool_policy_edit import ToolPolicyEdit
from .tool_policy_edit_arguments_schema_type_0 import ToolPolicyEditArgumentsSchemaType0
from .tool_public import ToolPublic
from .tool_public_config import ToolPublicConfig
from .tool_public_parameters_schema import ToolPublicParametersSchema
from .tool_public_result_schema_type_0 import ToolPublicResultSchemaType0
from .trace_span import TraceSpan
from .transcript_entry import TranscriptEntry
from .trigger_create import TriggerCreate
from .trigger_create_params import TriggerCreateParams
from .trigger_create_payload_map import TriggerCreatePayloadMap
from .trigger_kind import TriggerKind
from .trigger_public import TriggerPublic
from .trigger_public_params import TriggerPublicParams
from .trigger_public_payload_map import TriggerPublicPayloadMap
from .trigger_run_public import TriggerRunPublic
from .trigger_update import TriggerUpdate
from .trigger_update_params_type_0 import TriggerUpdateParamsType0
from .trigger_update_payload_map_type_0 import TriggerUpdatePayloadMapType0
from .usage_public import UsagePublic
from .usage_public_tasks import UsagePublicTasks
from .verified_public import VerifiedPublic
from .webhook_attempt_public import WebhookAttemptPublic
from .webhook_delivery_public import WebhookDeliveryPublic
from .webhook_delivery_public_payload import WebhookDeliveryPublicPayload
from .webhook_endpoint_create import WebhookEndpointCreate
from .webhook_endpoint_public import WebhookEndpointPublic
from .webhook_endpoint_update import WebhookEndpointUpdate
from .worker_public import WorkerPublic

__all__ = (
    "Accepted",
    "AgentBudget",
    "AgentPublic",
    "AgentStateChangePublic",
    "AgentTemplatePublic",
    "AgentTools",
    "AgentToolsUpdate",
    "ApiKeyCreated",
    "ApiKeyIn",
    "ApiKeyInScopesItem",
    "ApiKeyPublic",
    "ApprovalPolicy",
    "ApprovalPublic",
    "ApprovalPublicDetails",
    "ApprovalStatus",
    "ArtifactPublic",
    "AuditPublic",
    "AuditPublicDetails",
    "CommentIn",
    "CommentPublic",
    "ConnectionCheckPublic",
    "CredentialBinding",
    "CredentialCreate",
    "CredentialCreateSecret",
    "CredentialKind",
    "CredentialPublic",
    "CredentialUsePublic",
    "DayUsage",
    "DecisionIn",
    "DeliverablePublic",
    "DeliveryStatus",
    "DependencyIn",
    "DependencyInType",
    "DiffRowPublic",
    "EmailIn",
    "ErrorEntry",
    "EventKind",
    "EventPublic",
    "EventPublicPayload",
    "FileContent",
    "FileIn",
    "ForkIn",
    "ForkInInputs",
    "ForkInMode",
    "HookAccepted",
    "InvitationLinkIn",
    "InvitationView",
    "LineagePublic",
    "ListMeta",
    "ListOfAgentPublic",
    "ListOfAgentStateChangePublic",
    "ListOfAgentTemplatePublic",
    "ListOfApiKeyPublic",
    "ListOfApprovalPublic",
    "ListOfArtifactPublic",
    "ListOfAuditPublic",
    "ListOfCommentPublic",
    "ListOfCredentialPublic",
    "ListOfCredentialUsePublic",
    "ListOfDeliverablePublic",
    "ListOfDiffRowPublic",
    "ListOfEventPublic",
    "ListOfInvitationView",
    "ListOfLineagePublic",
    "ListOfMcpServerPublic",
    "ListOfMemberView",
    "ListOfModelPublic",
    "ListOfPlanVersionPublic",
    "ListOfProjectPublic",
    "ListOfProjectTemplatePublic",
    "ListOfProjectToolPolicyPublic",
    "ListOfSessionPublic",
    "ListOfTaskPublic",
    "ListOfTeamView",
    "ListOfTemplateTools",
    "ListOfToolCallPublic",
    "ListOfToolPublic",
    "ListOfTriggerPublic",
    "ListOfTriggerRunPublic",
    "ListOfWebhookDeliveryPublic",
    "ListOfWebhookEndpointPublic",
    "LiveResponseLiveHealthLiveGet",
    "LoginIn",
    "McpServerCreate",
    "McpServerCreateEnv",
    "McpServerCreateHeaders",
    "McpServerPublic",
    "McpServerPublicEnv",
    "McpServerPublicHeaders",
    "McpTransport",
    "MePublic",
    "MemberIn",
    "MemberView",
    "ModelEntryCreate",
    "ModelEntryUpdate",
    "ModelPublic",
    "ModelUsage",
    "OidcLoginTo",
    "OptionalReasonIn",
    "PlanIn",
    "PlanRequested",
    "PlanTaskIn",
    "PlanVersionPublic",
    "PlanVersionPublicDiff",
    "PlanVersionPublicPlan",
    "Presence",
    "Problem",
    "ProjectIn",
    "ProjectPublic",
    "ProjectStatus",
    "ProjectTemplateCreate",
    "ProjectTemplatePublic",
    "ProjectTemplateUpdate",
    "ProjectToolPolicyPublic",
    "ProjectToolPolicyPublicArgumentsSchemaType0",
    "ProjectTrace",
    "ProjectUpdate",
    "ReasonIn",
    "RefreshIn",
    "RegisterIn",
    "RejectionIn",
    "ResetIn",
    "Role",
    "RoleIn",
    "SandboxPublic",
    "ScopesResponseScopesApiV1ScopesGet",
    "SessionPublic",
    "StartFromTemplate",
    "StartFromTemplateParams",
    "TaskEdits",
    "TaskPublic",
    "TaskTranscript",
    "TeamAgent",
    "TeamDefaultModel",
    "TeamIn",
    "TeamUsage",
    "TeamView",
    "TemplateBody",
    "TemplateBodyPlanType0",
    "TemplateBodyProject",
    "TemplateParameter",
    "TemplateTools",
    "TemplateToolsUpdate",
    "TokenIn",
    "TokenPair",
    "ToolCallPublic",
    "ToolCallPublicArguments",
    "ToolCreate",
    "ToolCreateConfig",
    "ToolCreateParametersSchema",
    "ToolCreateResultSchemaType0",
    "ToolPolicyEdit",
    "ToolPolicyEditArgumentsSchemaType0",
    "ToolPublic",
    "ToolPublicConfig",
    "ToolPublicParametersSchema",
    "ToolPublicResultSchemaType0",
    "TraceSpan",
    "TranscriptEntry",
    "TriggerCreate",
    "TriggerCreateParams",
    "TriggerCreatePayloadMap",
    "TriggerKind",
    "TriggerPublic",
    "TriggerPublicParams",
    "TriggerPublicPayloadMap",
    "TriggerRunPublic",
    "TriggerUpdate",
    "TriggerUpdateParamsType0",
    "TriggerUpdatePayloadMapType0",
    "UsagePublic",
    "UsagePublicTasks",
    "VerifiedPublic",
    "WebhookAttemptPublic",
    "WebhookDeliveryPublic",
    "WebhookDeliveryPublicPayload",
    "WebhookEndpointCreate",
    "WebhookEndpointPublic",
    "WebhookEndpointUpdate",
    "WorkerPublic",
)
