# Chinese labels and help texts use full-width punctuation on purpose.
# ruff: noqa: RUF001
"""The built-in provider catalog: one ``ProviderSpec`` per provider, in display order.

Facts (base URLs, auth, quirks, model names, context windows) come from ``shared/provider-wire-formats.md``
(Aug 2026); the section is named above each entry. MiniMax, iFlytek Spark and Baidu ERNIE have no section
there: their endpoints come from the vendors' OpenAI-compatibility pages.

* ``max_output_tokens`` is not in the sheet. The values below come from the vendors' model pages and are
  UNVERIFIED unless a comment says otherwise. Anything else not confirmed is marked ``# UNVERIFIED``.
* Feature flags are conservative: a flag is True only where the vendor documents the feature.
* Providers with a ``region`` select leave ``base_url`` blank by default, so that the region picks the
  endpoint (``quirks["region_base_urls"]``); a filled-in ``base_url`` wins over the region.
"""

from __future__ import annotations

from .types import (
    CredentialField,
    FieldKind,
    ModelType,
    ParameterRule,
    PredefinedModel,
    Protocol,
    ProviderSpec,
)

LLM = ModelType.LLM
EMBEDDING = ModelType.TEXT_EMBEDDING
RERANK = ModelType.RERANK
STT = ModelType.SPEECH2TEXT
ALL_MODEL_TYPES = (LLM, EMBEDDING, RERANK, STT)

# Models that accept only the default temperature (OpenAI reasoning models, kimi-k2.6).
FIXED_TEMPERATURE = ParameterRule(1.0, 1.0, 1.0)


# ----------------------------------------------------------------------------------------------------
# Credential fields (canonical names: see ``types.CredentialField``)


def _api_key(
    help_en: str,
    help_zh: str,
    *,
    required: bool = True,
    label_en: str = "API key",
    label_zh: str = "API 密钥",
) -> CredentialField:
    return CredentialField(
        name="api_key",
        label_en=label_en,
        label_zh=label_zh,
        secret=True,
        required=required,
        help_en=help_en,
        help_zh=help_zh,
    )


def _base_url(
    default: str,
    *,
    required: bool = False,
    help_en: str = "Keep the default unless you call the API through a proxy or gateway.",
    help_zh: str = "除非通过代理或网关调用，否则保持默认即可。",
    label_en: str = "Base URL",
    label_zh: str = "接口地址",
) -> CredentialField:
    return CredentialField(
        name="base_url",
        label_en=label_en,
        label_zh=label_zh,
        kind=FieldKind.URL,
        required=required,
        default=default,
        help_en=help_en,
        help_zh=help_zh,
    )


def _server_url(example: str) -> CredentialField:
    """The base URL of a self-hosted server: required, no usable default."""
    return _base_url(
        "",
        required=True,
        label_en="Server URL",
        label_zh="服务地址",
        help_en=f"The server's OpenAI-compatible endpoint, including /v1, e.g. {example}.",
        help_zh=f"服务的 OpenAI 兼容接口地址，包含 /v1，例如 {example}。",
    )


def _region_base_url() -> CredentialField:
    return _base_url(
        "",
        help_en="Blank = the selected region's endpoint. Fill in only for a proxy or a custom domain.",
        help_zh="留空则使用所选地域的接口地址；仅在使用代理或自定义域名时填写。",
    )


def _region(regions: dict[str, tuple[str, str]], default: str, help_en: str, help_zh: str) -> CredentialField:
    """A region select; ``regions`` maps a region id to ``(label, base URL)``."""
    return CredentialField(
        name="region",
        label_en="Region",
        label_zh="地域",
        required=True,
        kind=FieldKind.SELECT,
        default=default,
        help_en=help_en,
        help_zh=help_zh,
        choices=tuple((region, label) for region, (label, _url) in regions.items()),
    )


def _region_base_urls(regions: dict[str, tuple[str, str]]) -> dict[str, str]:
    return {region: url for region, (_label, url) in regions.items()}


def _optional_server_key() -> CredentialField:
    return _api_key(
        "Only if the server was started with authentication enabled.",
        "仅当服务端启用了鉴权时填写。",
        required=False,
    )


# ----------------------------------------------------------------------------------------------------
# Model shapes


def _llm(
    name: str,
    context_window: int | None,
    max_output_tokens: int | None = None,
    *,
    display_name: str = "",
    vision: bool = False,
    tool_call: bool = True,
    json_mode: bool = True,
    temperature: ParameterRule | None = None,
) -> PredefinedModel:
    return PredefinedModel(
        name=name,
        model_type=LLM,
        display_name=display_name,
        context_window=context_window,
        max_output_tokens=max_output_tokens,
        vision=vision,
        tool_call=tool_call,
        json_mode=json_mode,
        temperature=temperature,
    )


def _embedding(name: str, context_window: int | None = None) -> PredefinedModel:
    return PredefinedModel(name=name, model_type=EMBEDDING, context_window=context_window, streaming=False)


def _rerank(name: str, context_window: int | None = None) -> PredefinedModel:
    return PredefinedModel(name=name, model_type=RERANK, context_window=context_window, streaming=False)


def _stt(name: str, *, streaming: bool = False) -> PredefinedModel:
    return PredefinedModel(name=name, model_type=STT, streaming=streaming)


# ----------------------------------------------------------------------------------------------------
# Providers

# §3. Context windows from the sheet; max output from OpenAI's model pages (UNVERIFIED).
OPENAI = ProviderSpec(
    slug="openai",
    name_en="OpenAI",
    name_zh="OpenAI",
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://api.openai.com/v1",
    credential_fields=(
        _api_key(
            "Create one at platform.openai.com/api-keys (starts with sk-).",
            "在 platform.openai.com/api-keys 创建（以 sk- 开头）。",
        ),
        _base_url("https://api.openai.com/v1"),
        CredentialField(
            name="organization",
            label_en="Organization ID",
            label_zh="组织 ID",
            help_en="Optional. Sent as OpenAI-Organization; only needed if your key is in several orgs.",
            help_zh="可选。作为 OpenAI-Organization 请求头发送；仅当密钥属于多个组织时需要。",
        ),
        CredentialField(
            name="project",
            label_en="Project ID",
            label_zh="项目 ID",
            help_en="Optional. Sent as OpenAI-Project to bill usage to a specific project.",
            help_zh="可选。作为 OpenAI-Project 请求头发送，用于将用量计入指定项目。",
        ),
    ),
    model_types=(LLM, EMBEDDING, STT),
    models=(
        _llm("gpt-5.5", 1_050_000, 128_000, vision=True),  # UNVERIFIED: max output
        _llm("gpt-5", 400_000, 128_000, vision=True, temperature=FIXED_TEMPERATURE),
        _llm("gpt-5-mini", 400_000, 128_000, vision=True, temperature=FIXED_TEMPERATURE),
        _llm("gpt-4.1", 1_047_576, 32_768, vision=True),
        _llm("gpt-4.1-mini", 1_047_576, 32_768, vision=True),
        _llm("gpt-4o", 128_000, 16_384, vision=True),
        _llm("gpt-4o-mini", 128_000, 16_384, vision=True),
        _llm("o3", 200_000, 100_000, vision=True, temperature=FIXED_TEMPERATURE),
        # Embedding input limits are not in the sheet (OpenAI docs: 8,191 tokens).
        _embedding("text-embedding-3-small", 8_191),
        _embedding("text-embedding-3-large", 8_191),
        _embedding("text-embedding-ada-002", 8_191),
        _stt("whisper-1"),
        _stt("gpt-4o-transcribe", streaming=True),
        _stt("gpt-4o-mini-transcribe", streaming=True),
    ),
    description_en="GPT, o-series, embedding and Whisper models from OpenAI.",
    description_zh="OpenAI 官方接口：GPT、o 系列、向量与 Whisper 语音识别模型。",
    quirks={"max_tokens_param": "max_completion_tokens"},
)

# §3 (Azure). Models are deployments: the ``deployment`` field or the model name picks one.
AZURE_OPENAI = ProviderSpec(
    slug="azure_openai",
    name_en="Azure OpenAI",
    name_zh="Azure OpenAI",
    protocol=Protocol.AZURE_OPENAI,
    default_base_url="",
    credential_fields=(
        _base_url(
            "",
            required=True,
            label_en="Endpoint",
            label_zh="终结点",
            help_en="Your resource endpoint, https://{resource}.openai.azure.com "
            "(Azure portal > your Azure OpenAI resource > Keys and Endpoint).",
            help_zh="资源终结点，形如 https://{resource}.openai.azure.com"
            "（Azure 门户 > Azure OpenAI 资源 > 密钥和终结点）。",
        ),
        _api_key(
            "KEY 1 or KEY 2 from the resource's Keys and Endpoint page; sent as the api-key header.",
            "资源“密钥和终结点”页面中的密钥 1 或密钥 2，以 api-key 请求头发送。",
        ),
        CredentialField(
            name="api_version",
            label_en="API version",
            label_zh="API 版本",
            required=True,
            default="2024-10-21",
            help_en="Data-plane api-version query parameter. 2024-10-21 is the latest GA version.",
            help_zh="数据面 api-version 查询参数。2024-10-21 为最新正式版。",
        ),
        CredentialField(
            name="deployment",
            label_en="Deployment name",
            label_zh="部署名称",
            help_en="Blank = use the model name as the deployment name.",
            help_zh="留空则以模型名作为部署名称。",
        ),
    ),
    model_types=(LLM, EMBEDDING, STT),
    models=(
        _llm("gpt-4.1", 1_047_576, 32_768, vision=True),
        _llm("gpt-4.1-mini", 1_047_576, 32_768, vision=True),
        _llm("gpt-4o", 128_000, 16_384, vision=True),
        _llm("gpt-4o-mini", 128_000, 16_384, vision=True),
        _embedding("text-embedding-3-small", 8_191),
        _embedding("text-embedding-3-large", 8_191),
        _stt("whisper-1"),
    ),
    description_en="OpenAI models deployed in your own Azure resource.",
    description_zh="部署在你自己的 Azure 资源中的 OpenAI 模型。",
    # Deployment names are chosen by the admin, so models are also added one by one.
    custom_models=True,
    quirks={"empty_first_chunk": True},
)

# §4. Context windows from the sheet; max output from Anthropic's model overview (UNVERIFIED).
ANTHROPIC = ProviderSpec(
    slug="anthropic",
    name_en="Anthropic",
    name_zh="Anthropic",
    protocol=Protocol.ANTHROPIC,
    default_base_url="https://api.anthropic.com",
    credential_fields=(
        _api_key(
            "Create one in the Claude Console (console.anthropic.com > API keys); starts with sk-ant-.",
            "在 Claude 控制台（console.anthropic.com > API keys）创建，以 sk-ant- 开头。",
        ),
        _base_url("https://api.anthropic.com"),
    ),
    model_types=(LLM,),
    models=(
        _llm("claude-opus-4-7", 1_000_000, 128_000, vision=True, json_mode=False),
        _llm("claude-opus-4-6", 1_000_000, 128_000, vision=True, json_mode=False),
        _llm("claude-sonnet-4-6", 1_000_000, 64_000, vision=True, json_mode=False),
        _llm("claude-sonnet-4-5", 1_000_000, 64_000, vision=True, json_mode=False),
        _llm("claude-opus-4-5-20251101", 200_000, 64_000, vision=True, json_mode=False),
        _llm("claude-haiku-4-5", 200_000, 64_000, vision=True, json_mode=False),
    ),
    description_en="Claude models through the Anthropic Messages API.",
    description_zh="通过 Anthropic Messages API 调用 Claude 系列模型。",
    temperature=ParameterRule(0.0, 1.0, 1.0),
    quirks={"anthropic_version": "2023-06-01"},
)

# §5. Keys are region-specific; a key/region mismatch returns 401.
_QWEN_REGIONS = {
    "cn-beijing": ("China (Beijing) · 华北2（北京）", "https://dashscope.aliyuncs.com/compatible-mode/v1"),
    "ap-southeast-1": ("Singapore · 新加坡", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"),
    "us-east-1": ("US (Virginia) · 美国（弗吉尼亚）", "https://dashscope-us.aliyuncs.com/compatible-mode/v1"),
    "cn-hongkong": (
        "China (Hong Kong) · 中国香港",
        "https://cn-hongkong.dashscope.aliyuncs.com/compatible-mode/v1",
    ),
}

QWEN = ProviderSpec(
    slug="qwen",
    name_en="Qwen (Alibaba Cloud DashScope)",
    name_zh="通义千问（阿里云百炼）",
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url=_QWEN_REGIONS["cn-beijing"][1],
    credential_fields=(
        _api_key(
            "Create one in Alibaba Cloud Model Studio (bailian.console.aliyun.com > API-KEY). "
            "Keys only work in the region they were created in.",
            "在阿里云百炼控制台（bailian.console.aliyun.com > API-KEY）创建。密钥仅在创建时所在的地域可用。",
        ),
        _region(
            _QWEN_REGIONS,
            "cn-beijing",
            "The Model Studio region your API key belongs to.",
            "API 密钥所属的百炼地域。",
        ),
        _region_base_url(),
    ),
    model_types=(LLM, EMBEDDING, RERANK),
    models=(
        _llm("qwen3-max", 262_144, 65_536),
        _llm("qwen3.6-plus", 1_000_000, 65_536),
        _llm("qwen-plus", 1_000_000, 32_768),
        _llm("qwen-flash", 1_000_000, 32_768),
        _llm("qwen-max", 32_768, 8_192),
        _llm("qwen-long", 10_000_000, 32_768, tool_call=False),
        _llm("qwen-vl-max", 131_072, 8_192, vision=True, tool_call=False),
        _embedding("text-embedding-v4", 8_192),  # UNVERIFIED: context window
        _rerank("qwen3-rerank"),
    ),
    description_en="Alibaba Cloud's Qwen models through DashScope's OpenAI-compatible mode.",
    description_zh="通过阿里云百炼（DashScope）OpenAI 兼容模式调用通义千问系列模型。",
    quirks={
        "region_base_urls": _region_base_urls(_QWEN_REGIONS),
        "rerank_format": "dashscope",
        # Rerank lives under compatible-api, not compatible-mode, on the same host as the chat base URL.
        # Other regions' rerank hosts are UNVERIFIED; the same rewrite is applied to them.
        "rerank_base_rewrite": ["/compatible-mode/v1", "/compatible-api/v1"],
        "rerank_path": "reranks",
        "reasoning_field": "reasoning_content",  # UNVERIFIED for DashScope (sheet §5)
        # Open-source Qwen3 models default enable_thinking to true and reject non-streaming calls with it on.
        "disable_thinking_when_not_streaming": True,
    },
)

# §6. ``model`` is a model ID or an ``ep-...`` inference endpoint ID created in the Ark console.
DOUBAO = ProviderSpec(
    slug="doubao",
    name_en="Doubao (Volcengine Ark)",
    name_zh="豆包（火山方舟）",
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://ark.cn-beijing.volces.com/api/v3",
    credential_fields=(
        _api_key(
            "An API key from the Volcengine Ark console (console.volcengine.com/ark > API Key management).",
            "在火山方舟控制台（console.volcengine.com/ark > API Key 管理）创建的 API Key。",
        ),
        _base_url(
            "https://ark.cn-beijing.volces.com/api/v3",
            help_en="Keep the default unless you use a proxy. Do not append /v1: /api/v3 is the full prefix.",
            help_zh="除非使用代理，否则保持默认。不要追加 /v1：/api/v3 已是完整前缀。",
        ),
    ),
    model_types=(LLM, EMBEDDING),
    models=(
        _llm("doubao-seed-2-0-pro-260215", 262_144, 131_072, vision=True),  # UNVERIFIED: max output, vision
        _llm("doubao-seed-2-0-lite-260215", 262_144, 131_072, vision=True),  # UNVERIFIED: all but the name
        _llm("doubao-seed-2-0-mini-260215", 262_144, 131_072, vision=True),  # UNVERIFIED: max output, vision
        _llm("doubao-seed-1-8-251228", 262_144, 65_536, vision=True),  # UNVERIFIED: sheet says 256K
        _llm("doubao-seed-1-6-251015", 262_144, 32_768, vision=True),  # UNVERIFIED: sheet says 256K
        _llm("doubao-seed-1-6-flash-250828", 262_144, 32_768, vision=True),  # UNVERIFIED: sheet says 256K
        _embedding("doubao-embedding-text-240715", 4_096),  # UNVERIFIED: name and context
    ),
    description_en="ByteDance's Doubao models on Volcengine Ark.",
    description_zh="字节跳动豆包大模型，通过火山方舟调用。",
    # Admins add ep-... endpoint IDs one by one.
    custom_models=True,
    quirks={"models_path": "/models"},
)

# §7. Two platforms whose keys are not interchangeable.
_KIMI_REGIONS = {
    "cn": ("China mainland (api.moonshot.cn) · 中国大陆", "https://api.moonshot.cn/v1"),
    "intl": ("International (api.moonshot.ai) · 国际", "https://api.moonshot.ai/v1"),
}

KIMI = ProviderSpec(
    slug="kimi",
    name_en="Kimi (Moonshot AI)",
    name_zh="月之暗面 Kimi",
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url=_KIMI_REGIONS["cn"][1],
    credential_fields=(
        _api_key(
            "Create one at platform.moonshot.cn (China) or platform.moonshot.ai (international).",
            "在 platform.moonshot.cn（中国大陆）或 platform.moonshot.ai（国际）创建。",
        ),
        _region(
            _KIMI_REGIONS,
            "cn",
            "The platform your key was created on; keys do not work across platforms.",
            "密钥所在的平台；两个平台的密钥不能互用。",
        ),
        _region_base_url(),
    ),
    model_types=(LLM,),
    models=(
        _llm("kimi-k3", 1_048_576, None),  # UNVERIFIED: max output
        _llm("kimi-k2.6", 262_144, None, temperature=FIXED_TEMPERATURE),
        _llm("kimi-k2.5", 262_144, None),  # UNVERIFIED: may also accept only temperature 1
        _llm("kimi-k2-thinking", 262_144, None),
        _llm("moonshot-v1-128k", 128_000, None),
    ),
    description_en="Moonshot AI's Kimi models.",
    description_zh="月之暗面 Kimi 系列模型。",
    temperature=ParameterRule(0.0, 1.0, 0.3),
    quirks={
        "region_base_urls": _region_base_urls(_KIMI_REGIONS),
        "usage_in_choices": True,
        "tool_choice_required_unsupported": True,
    },
)

# §11. Native API; models are whatever the server has pulled.
OLLAMA = ProviderSpec(
    slug="ollama",
    name_en="Ollama",
    name_zh="Ollama",
    protocol=Protocol.OLLAMA,
    default_base_url="http://127.0.0.1:11434",
    credential_fields=(
        _base_url(
            "http://127.0.0.1:11434",
            required=True,
            label_en="Server URL",
            label_zh="服务地址",
            help_en="The Ollama server, without /v1 or /api, e.g. http://127.0.0.1:11434 or https://ollama.com.",
            help_zh="Ollama 服务地址，不含 /v1 或 /api，例如 http://127.0.0.1:11434 或 https://ollama.com。",
        ),
        _api_key(
            "Only for ollama.com cloud (ollama.com/settings/keys). Local servers need no key.",
            "仅用于 ollama.com 云服务（ollama.com/settings/keys）；本地服务无需密钥。",
            required=False,
        ),
    ),
    model_types=(LLM, EMBEDDING),
    description_en="Local or ollama.com models through Ollama's native API.",
    description_zh="通过 Ollama 原生 API 调用本地或 ollama.com 上的模型。",
    custom_models=True,
)

# §8. The legacy aliases deepseek-chat / deepseek-reasoner were retired on 2026-07-24.
DEEPSEEK = ProviderSpec(
    slug="deepseek",
    name_en="DeepSeek",
    name_zh="深度求索 DeepSeek",
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://api.deepseek.com",
    credential_fields=(
        _api_key(
            "Create one at platform.deepseek.com/api_keys.",
            "在 platform.deepseek.com/api_keys 创建。",
        ),
        _base_url("https://api.deepseek.com"),
    ),
    model_types=(LLM,),
    models=(
        # Sheet: "1M context, up to 384K output"; exact token counts UNVERIFIED.
        _llm("deepseek-v4-pro", 1_048_576, 393_216),
        _llm("deepseek-v4-flash", 1_048_576, 393_216),
    ),
    description_en="DeepSeek's V4 models.",
    description_zh="深度求索 DeepSeek V4 系列模型。",
    quirks={"keepalive_comments": True, "reasoning_field": "reasoning_content"},
)

# §9. Max output from Zhipu's model pages (UNVERIFIED).
ZHIPU = ProviderSpec(
    slug="zhipu",
    name_en="Zhipu GLM",
    name_zh="智谱 GLM",
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://open.bigmodel.cn/api/paas/v4",
    credential_fields=(
        _api_key(
            "Create one at bigmodel.cn (user center > API keys); for Z.ai use z.ai > API keys.",
            "在智谱开放平台 bigmodel.cn（个人中心 > API Keys）创建；国际版请在 z.ai 创建。",
        ),
        _base_url(
            "https://open.bigmodel.cn/api/paas/v4",
            help_en="Keep the default for bigmodel.cn. For Z.ai (international) use https://api.z.ai/api/paas/v4.",
            help_zh="国内站保持默认；国际版 Z.ai 请填写 https://api.z.ai/api/paas/v4。",
        ),
    ),
    model_types=(LLM, EMBEDDING),
    models=(
        _llm("glm-5.1", 204_800, 131_072),
        _llm("glm-5", 204_800, 131_072),
        _llm("glm-4.7", 200_000, 131_072),
        _llm("glm-4.6", 200_000, 131_072),
        _llm("glm-4.5-air", 131_072, 98_304),
        _llm("glm-4-flash", 131_072, 16_384),
        _llm("glm-4-long", 1_048_576, 4_096),
        _embedding("embedding-3", 8_192),  # UNVERIFIED: context window
    ),
    description_en="Zhipu AI's GLM models (BigModel / Z.ai).",
    description_zh="智谱 AI GLM 系列模型（智谱开放平台 / Z.ai）。",
    quirks={"string_error_codes": True, "reasoning_field": "reasoning_content"},
    temperature=ParameterRule(0.0, 1.0, 0.75),  # the provider documents a 0-1 range
)

# Not in the sheet. Endpoint from MiniMax's OpenAI-compatible API page (CN platform).
MINIMAX = ProviderSpec(
    slug="minimax",
    name_en="MiniMax",
    name_zh="MiniMax 稀宇科技",
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://api.minimaxi.com/v1",
    credential_fields=(
        _api_key(
            "Create one at platform.minimaxi.com (China) or platform.minimax.io (international).",
            "在 platform.minimaxi.com（中国大陆）或 platform.minimax.io（国际）创建。",
        ),
        _base_url(
            "https://api.minimaxi.com/v1",
            help_en="Keep the default for the China platform. International keys use https://api.minimax.io/v1.",
            help_zh="中国大陆平台保持默认；国际版密钥请填写 https://api.minimax.io/v1。",
        ),
    ),
    model_types=(LLM,),
    models=(
        # UNVERIFIED: model list, context windows and max output (vendor pages, not the sheet).
        _llm("MiniMax-M2.5", 204_800, 131_072, json_mode=False),
        _llm("MiniMax-M2.5-highspeed", 204_800, 131_072, json_mode=False),
        _llm("MiniMax-M2.1", 204_800, 131_072, json_mode=False),
        _llm("MiniMax-M2", 204_800, 131_072, json_mode=False),
    ),
    description_en="MiniMax's M-series models through their OpenAI-compatible API.",
    description_zh="通过 OpenAI 兼容接口调用 MiniMax M 系列模型。",
    temperature=ParameterRule(0.01, 1.0, 0.9),  # the provider documents a 0-1 range
)

# Not in the sheet. iFlytek Spark's OpenAI-compatible HTTP API.
SPARK = ProviderSpec(
    slug="spark",
    name_en="iFlytek Spark",
    name_zh="讯飞星火",
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://spark-api-open.xf-yun.com/v1",
    credential_fields=(
        _api_key(
            "The APIPassword of your app's HTTP service (console.xfyun.cn > your app > the Spark version).",
            "控制台（console.xfyun.cn > 我的应用 > 对应星火版本）中 HTTP 服务接口认证信息的 APIPassword。",
            label_en="API password",
            label_zh="APIPassword",
        ),
        _base_url("https://spark-api-open.xf-yun.com/v1"),
    ),
    model_types=(LLM,),
    models=(
        # Model ids are Spark's version names. UNVERIFIED: context windows and max output.
        _llm("4.0Ultra", 8_192, 8_192, display_name="Spark 4.0 Ultra", json_mode=False),
        _llm("generalv3.5", 8_192, 8_192, display_name="Spark Max", json_mode=False),
        _llm("max-32k", 32_768, 8_192, display_name="Spark Max-32K", json_mode=False),
        _llm("generalv3", 8_192, 8_192, display_name="Spark Pro", tool_call=False, json_mode=False),
        _llm("pro-128k", 131_072, 4_096, display_name="Spark Pro-128K", tool_call=False, json_mode=False),
        _llm("lite", 8_192, 4_096, display_name="Spark Lite", tool_call=False, json_mode=False),
    ),
    description_en="iFlytek's Spark models through their OpenAI-compatible HTTP API.",
    description_zh="通过 OpenAI 兼容 HTTP 接口调用科大讯飞星火大模型。",
    temperature=ParameterRule(0.01, 1.0, 0.5),  # the provider documents a 0-1 range
)

# Not in the sheet. Baidu Qianfan's v2 inference API, which follows OpenAI's auth and body shape.
ERNIE = ProviderSpec(
    slug="ernie",
    name_en="ERNIE (Baidu Qianfan)",
    name_zh="文心一言（百度千帆）",
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://qianfan.baidubce.com/v2",
    credential_fields=(
        _api_key(
            "Create one in the Qianfan console (console.bce.baidu.com/qianfan > API Key); begins bce-v3/.",
            "在千帆控制台（console.bce.baidu.com/qianfan > API Key）创建，以 bce-v3/ 开头。",
        ),
        _base_url("https://qianfan.baidubce.com/v2"),
    ),
    model_types=(LLM,),
    models=(
        # UNVERIFIED: model list, context windows and max output (vendor pages, not the sheet).
        _llm("ernie-4.5-turbo-128k", 131_072, 12_288),
        _llm("ernie-4.5-turbo-32k", 32_768, 12_288),
        _llm("ernie-4.5-turbo-vl-32k", 32_768, 12_288, vision=True, tool_call=False),
        _llm("ernie-x1-turbo-32k", 32_768, 16_384, json_mode=False),
    ),
    description_en="Baidu's ERNIE models through Qianfan's OpenAI-compatible v2 API.",
    description_zh="通过百度千帆 v2 OpenAI 兼容接口调用文心大模型。",
    temperature=ParameterRule(0.01, 1.0, 0.8),  # the provider documents a 0-1 range
)

# §10. The sheet's base URL ends in "/"; it is stored without it like every other base URL.
GEMINI = ProviderSpec(
    slug="gemini",
    name_en="Google Gemini",
    name_zh="Google Gemini",
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://generativelanguage.googleapis.com/v1beta/openai",
    credential_fields=(
        _api_key(
            "Create one in Google AI Studio (aistudio.google.com/apikey).",
            "在 Google AI Studio（aistudio.google.com/apikey）创建。",
        ),
        _base_url("https://generativelanguage.googleapis.com/v1beta/openai"),
    ),
    model_types=(LLM, EMBEDDING),
    models=(
        # Context windows from the sheet; max output UNVERIFIED. The 2.5 family shuts down on 2026-10-16.
        _llm("gemini-3.5-flash", 1_048_576, 65_536, vision=True),
        _llm("gemini-3.1-pro-preview", 1_048_576, 65_536, vision=True),
        _llm("gemini-3-flash-preview", 1_048_576, 65_536, vision=True),
        _llm("gemini-flash-latest", 1_048_576, 65_536, vision=True),
        _llm("gemini-2.5-pro", 1_048_576, 65_536, vision=True),
        _llm("gemini-2.5-flash", 1_048_576, 65_536, vision=True),
        _llm("gemini-2.5-flash-lite", 1_048_576, 65_536, vision=True),
        _embedding("gemini-embedding-001", 2_048),  # UNVERIFIED: not in the sheet
    ),
    description_en="Google's Gemini models through the Gemini API's OpenAI-compatible endpoint.",
    description_zh="通过 Gemini API 的 OpenAI 兼容端点调用 Google Gemini 模型。",
    quirks={"error_body_array": True, "model_id_prefix": "models/", "invalid_key_status": 400},
)

# The Inference Providers router (OpenAI-compatible). Model ids are Hub repo ids, optionally ":provider".
HUGGINGFACE = ProviderSpec(
    slug="huggingface",
    name_en="Hugging Face",
    name_zh="Hugging Face",
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="https://router.huggingface.co/v1",
    credential_fields=(
        _api_key(
            "A token from huggingface.co/settings/tokens allowed to call Inference Providers (hf_...).",
            "在 huggingface.co/settings/tokens 创建的访问令牌，需允许调用 Inference Providers，以 hf_ 开头。",
            label_en="Access token",
            label_zh="访问令牌",
        ),
        _base_url("https://router.huggingface.co/v1"),
    ),
    model_types=(LLM,),
    description_en="Open models on Hugging Face Inference Providers.",
    description_zh="通过 Hugging Face Inference Providers 调用开源模型。",
    custom_models=True,
)

REPLICATE = ProviderSpec(
    slug="replicate",
    name_en="Replicate",
    name_zh="Replicate",
    protocol=Protocol.REPLICATE,
    default_base_url="https://api.replicate.com/v1",
    credential_fields=(
        _api_key(
            "Create one at replicate.com/account/api-tokens (starts with r8_).",
            "在 replicate.com/account/api-tokens 创建（以 r8_ 开头）。",
            label_en="API token",
            label_zh="API 令牌",
        ),
        _base_url("https://api.replicate.com/v1"),
    ),
    model_types=(LLM,),
    description_en="Models hosted on Replicate, added by owner/name.",
    description_zh="Replicate 上托管的模型，按 owner/name 添加。",
    custom_models=True,
)

# §12. ``model`` is the UID of a launched model.
XINFERENCE = ProviderSpec(
    slug="xinference",
    name_en="Xinference",
    name_zh="Xinference",
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="",
    credential_fields=(_server_url("http://127.0.0.1:9997/v1"), _optional_server_key()),
    model_types=ALL_MODEL_TYPES,
    description_en="Self-hosted Xorbits Inference server; models are added by their model UID.",
    description_zh="自托管的 Xorbits Inference 服务，按模型 UID 添加模型。",
    custom_models=True,
    quirks={"reasoning_field": "reasoning_content", "rerank_path": "/rerank", "error_detail_body": True},
)

OPENLLM = ProviderSpec(
    slug="openllm",
    name_en="OpenLLM",
    name_zh="OpenLLM",
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="",
    credential_fields=(_server_url("http://127.0.0.1:3000/v1"), _optional_server_key()),
    model_types=(LLM,),
    description_en="Self-hosted BentoML OpenLLM server.",
    description_zh="自托管的 BentoML OpenLLM 服务。",
    custom_models=True,
)

# §13.
JINA = ProviderSpec(
    slug="jina",
    name_en="Jina AI",
    name_zh="Jina AI",
    protocol=Protocol.JINA,
    default_base_url="https://api.jina.ai/v1",
    credential_fields=(
        _api_key(
            "Get one at jina.ai (API key & billing); starts with jina_.",
            "在 jina.ai（API key & billing）获取，以 jina_ 开头。",
        ),
        _base_url("https://api.jina.ai/v1"),
    ),
    model_types=(RERANK, EMBEDDING),
    models=(
        _rerank("jina-reranker-v2-base-multilingual", 8_192),  # UNVERIFIED: context (Dify default 8192)
        _embedding("jina-embeddings-v3", 8_192),
    ),
    description_en="Jina AI's reranker and embedding models.",
    description_zh="Jina AI 重排序与向量模型。",
)

# §13. The base has no version; rerank is POST /v2/rerank.
COHERE = ProviderSpec(
    slug="cohere",
    name_en="Cohere",
    name_zh="Cohere",
    protocol=Protocol.COHERE,
    default_base_url="https://api.cohere.com",
    credential_fields=(
        _api_key(
            "Create one at dashboard.cohere.com/api-keys.",
            "在 dashboard.cohere.com/api-keys 创建。",
        ),
        _base_url("https://api.cohere.com"),
    ),
    model_types=(RERANK,),
    models=(
        _rerank("rerank-v3.5", 4_096),  # context = max_tokens_per_doc default
        _rerank("rerank-multilingual-v3.0", 4_096),  # UNVERIFIED: still served on v2
        _rerank("rerank-english-v3.0", 4_096),  # UNVERIFIED: still served on v2
    ),
    description_en="Cohere's Rerank models.",
    description_zh="Cohere Rerank 重排序模型。",
    quirks={"rerank_path": "/v2/rerank"},
)

OPENAI_COMPATIBLE = ProviderSpec(
    slug="openai_compatible",
    name_en="OpenAI-compatible",
    name_zh="OpenAI 兼容接口",
    protocol=Protocol.OPENAI_COMPATIBLE,
    default_base_url="",
    credential_fields=(
        _server_url("http://127.0.0.1:8000/v1"),
        _api_key(
            "Whatever key the server expects; leave blank if it needs none.",
            "填写服务要求的密钥；无需鉴权时留空。",
            required=False,
        ),
    ),
    model_types=ALL_MODEL_TYPES,
    description_en="Any server that speaks the OpenAI API: vLLM, LM Studio, LocalAI, gateways.",
    description_zh="任何兼容 OpenAI API 的服务：vLLM、LM Studio、LocalAI、各类网关。",
    custom_models=True,
)


CATALOG: tuple[ProviderSpec, ...] = (
    OPENAI,
    AZURE_OPENAI,
    ANTHROPIC,
    QWEN,
    DOUBAO,
    KIMI,
    OLLAMA,
    DEEPSEEK,
    ZHIPU,
    MINIMAX,
    SPARK,
    ERNIE,
    GEMINI,
    HUGGINGFACE,
    REPLICATE,
    XINFERENCE,
    OPENLLM,
    JINA,
    COHERE,
    OPENAI_COMPATIBLE,
)
