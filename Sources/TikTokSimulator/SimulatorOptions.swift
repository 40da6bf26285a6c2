import Foundation

/// Options for a simulator instance; Codable with snake_case keys so the CLI can read them from a YAML/JSON file.
public struct SimulatorOptions: Sendable, Codable, Equatable {
    /// How long after its arrival every API request is answered; building the answer takes part of it, as on a
    /// real server (a fault's slow response comes on top).
    public struct Latency: Sendable, Codable, Equatable {
        public var fixedMs: Int
        public var jitterMs: Int

        public init(fixedMs: Int = 0, jitterMs: Int = 0) {
            self.fixedMs = fixedMs
            self.jitterMs = jitterMs
        }

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case fixedMs = "fixed_ms"
            case jitterMs = "jitter_ms"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            fixedMs = try c.decodeIfPresent(Int.self, forKey: .fixedMs) ?? 0
            jitterMs = try c.decodeIfPresent(Int.self, forKey: .jitterMs) ?? 0
        }
    }

    /// Request budgets, as TikTok keeps them: per app and per endpoint. Every endpoint gets the budget given here
    /// (`qps`, `qpm`, `qpd`; nil means unlimited) unless `endpoints` overrides it for that endpoint.
    public struct RateLimit: Sendable, Codable, Equatable {
        /// Requests per sliding second, per endpoint.
        public var qps: Int?
        /// Requests per sliding minute, per endpoint; a breach restricts the endpoint for `qpmPenaltySeconds`.
        public var qpm: Int?
        public var qpmPenaltySeconds: Double
        /// Requests per UTC day of the simulated clock, per endpoint (reset at 00:00 UTC).
        public var qpd: Int?
        /// Overrides per endpoint, keyed by its path in any spelling: "/open_api/v1.3/report/integrated/get/",
        /// "/report/integrated/get/" or "report/integrated/get". A field left out keeps the value above.
        public var endpoints: [String: EndpointBudget]

        public init(qps: Int? = nil, qpm: Int? = nil, qpmPenaltySeconds: Double = 300, qpd: Int? = nil,
                    endpoints: [String: EndpointBudget] = [:]) {
            self.qps = qps
            self.qpm = qpm
            self.qpmPenaltySeconds = qpmPenaltySeconds
            self.qpd = qpd
            self.endpoints = endpoints
        }

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case qps, qpm, qpd, endpoints
            case qpmPenaltySeconds = "qpm_penalty_seconds"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            qps = try c.decodeIfPresent(Int.self, forKey: .qps)
            qpm = try c.decodeIfPresent(Int.self, forKey: .qpm)
            qpmPenaltySeconds = try c.decodeIfPresent(Double.self, forKey: .qpmPenaltySeconds) ?? 300
            qpd = try c.decodeIfPresent(Int.self, forKey: .qpd)
            endpoints = try c.decodeIfPresent([String: EndpointBudget].self, forKey: .endpoints) ?? [:]
        }

        /// The budget one endpoint (e.g. "report/integrated/get") gets: its override where it has one, else the app-wide values.
        public func budget(for endpoint: String) -> EndpointBudget {
            let key = RequestLog.normalize(endpoint)
            let override = endpoints.first { RequestLog.normalize($0.key) == key }?.value ?? EndpointBudget()
            return EndpointBudget(qps: override.qps ?? qps, qpm: override.qpm ?? qpm, qpd: override.qpd ?? qpd,
                                  qpmPenaltySeconds: override.qpmPenaltySeconds ?? qpmPenaltySeconds)
        }

        /// Whether no endpoint has any budget.
        public var isUnlimited: Bool {
            qps == nil && qpm == nil && qpd == nil && endpoints.values.allSatisfy { $0.qps == nil && $0.qpm == nil && $0.qpd == nil }
        }
    }

    /// One endpoint's budgets; nil fields mean "as the app-wide setting" in an override, "unlimited" once resolved.
    public struct EndpointBudget: Sendable, Codable, Equatable {
        public var qps: Int?
        public var qpm: Int?
        public var qpd: Int?
        public var qpmPenaltySeconds: Double?

        public init(qps: Int? = nil, qpm: Int? = nil, qpd: Int? = nil, qpmPenaltySeconds: Double? = nil) {
            self.qps = qps
            self.qpm = qpm
            self.qpd = qpd
            self.qpmPenaltySeconds = qpmPenaltySeconds
        }

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case qps, qpm, qpd
            case qpmPenaltySeconds = "qpm_penalty_seconds"
        }
    }

    public var seed: UInt64 = 42
    public var advertisers: Int = 3
    public var unauthorizedAdvertisers: Int = 1
    public var campaignsPerAdvertiser: Int = 3
    public var adGroupsPerCampaign: Int = 2
    public var adsPerAdGroup: Int = 2
    public var audiencesPerAdvertiser: Int = 4
    public var historyDays: Int = 400
    public var now: Date?
    public var restatementDays: Int = 7
    public var audienceLagHours: Int = 11
    public var accessToken: String = "sim-access-token"
    public var appId: String = "sim-app-id"
    public var secret: String = "sim-app-secret"
    public var authCode: String = "sim-auth-code"
    /// How long a code from the authorisation portal (`/portal/auth`) can be exchanged, in simulated seconds.
    public var authCodeLifetimeSeconds: Int = 600
    /// The redirect URI registered for the app; the portal refuses another. Nil accepts any.
    public var redirectURI: String?
    /// Plays TikTok's sandbox (`sandbox-ads.tiktok.com`): `oauth2/advertiser/get` is not available.
    public var sandbox = false
    public var latency = Latency()
    public var rateLimit = RateLimit()
    public var faults: [FaultRule] = []
    public var slowResponseSeconds: Double = 30
    /// Report metrics refused with TikTok's 40002 "Invalid metric fields" answer although the simulator knows them,
    /// as TikTok refuses a metric it retired or one an account may not use (e.g. `["conversion"]`).
    public var rejectMetrics: [String] = []

    /// All defaults.
    public init() {}

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case seed, advertisers, now, latency, faults, secret
        case unauthorizedAdvertisers = "unauthorized_advertisers"
        case campaignsPerAdvertiser = "campaigns_per_advertiser"
        case adGroupsPerCampaign = "ad_groups_per_campaign"
        case adsPerAdGroup = "ads_per_ad_group"
        case audiencesPerAdvertiser = "audiences_per_advertiser"
        case historyDays = "history_days"
        case restatementDays = "restatement_days"
        case audienceLagHours = "audience_lag_hours"
        case accessToken = "access_token"
        case appId = "app_id"
        case authCode = "auth_code"
        case rateLimit = "rate_limit"
        case slowResponseSeconds = "slow_response_seconds"
        case rejectMetrics = "reject_metrics"
        case authCodeLifetimeSeconds = "auth_code_lifetime_seconds", redirectURI = "redirect_uri", sandbox
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SimulatorOptions()
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        advertisers = try c.decodeIfPresent(Int.self, forKey: .advertisers) ?? d.advertisers
        unauthorizedAdvertisers =
            try c.decodeIfPresent(Int.self, forKey: .unauthorizedAdvertisers) ?? d.unauthorizedAdvertisers
        campaignsPerAdvertiser =
            try c.decodeIfPresent(Int.self, forKey: .campaignsPerAdvertiser) ?? d.campaignsPerAdvertiser
        adGroupsPerCampaign = try c.decodeIfPresent(Int.self, forKey: .adGroupsPerCampaign) ?? d.adGroupsPerCampaign
        adsPerAdGroup = try c.decodeIfPresent(Int.self, forKey: .adsPerAdGroup) ?? d.adsPerAdGroup
        audiencesPerAdvertiser =
            try c.decodeIfPresent(Int.self, forKey: .audiencesPerAdvertiser) ?? d.audiencesPerAdvertiser
        historyDays = try c.decodeIfPresent(Int.self, forKey: .historyDays) ?? d.historyDays
        if let text = try? c.decodeIfPresent(String.self, forKey: .now) {
            guard let date = CivilTime.parseISO8601(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .now, in: c, debugDescription: "now must be an ISO-8601 instant such as 2026-01-02T03:04:05Z")
            }
            now = date
        } else {
            now = try c.decodeIfPresent(Date.self, forKey: .now)
        }
        restatementDays = try c.decodeIfPresent(Int.self, forKey: .restatementDays) ?? d.restatementDays
        audienceLagHours = try c.decodeIfPresent(Int.self, forKey: .audienceLagHours) ?? d.audienceLagHours
        accessToken = try c.decodeIfPresent(String.self, forKey: .accessToken) ?? d.accessToken
        appId = try c.decodeIfPresent(String.self, forKey: .appId) ?? d.appId
        secret = try c.decodeIfPresent(String.self, forKey: .secret) ?? d.secret
        authCode = try c.decodeIfPresent(String.self, forKey: .authCode) ?? d.authCode
        latency = try c.decodeIfPresent(Latency.self, forKey: .latency) ?? d.latency
        rateLimit = try c.decodeIfPresent(RateLimit.self, forKey: .rateLimit) ?? d.rateLimit
        faults = try c.decodeIfPresent([FaultRule].self, forKey: .faults) ?? d.faults
        slowResponseSeconds = try c.decodeIfPresent(Double.self, forKey: .slowResponseSeconds) ?? d.slowResponseSeconds
        rejectMetrics = try c.decodeIfPresent([String].self, forKey: .rejectMetrics) ?? d.rejectMetrics
        authCodeLifetimeSeconds = try c.decodeIfPresent(Int.self, forKey: .authCodeLifetimeSeconds) ?? d.authCodeLifetimeSeconds
        redirectURI = try c.decodeIfPresent(String.self, forKey: .redirectURI)
        sandbox = try c.decodeIfPresent(Bool.self, forKey: .sandbox) ?? d.sandbox
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seed, forKey: .seed)
        try c.encode(advertisers, forKey: .advertisers)
        try c.encode(unauthorizedAdvertisers, forKey: .unauthorizedAdvertisers)
        try c.encode(campaignsPerAdvertiser, forKey: .campaignsPerAdvertiser)
        try c.encode(adGroupsPerCampaign, forKey: .adGroupsPerCampaign)
        try c.encode(adsPerAdGroup, forKey: .adsPerAdGroup)
        try c.encode(audiencesPerAdvertiser, forKey: .audiencesPerAdvertiser)
        try c.encode(historyDays, forKey: .historyDays)
        if let now {
            try c.encode(now.formatted(Date.ISO8601FormatStyle()), forKey: .now)
        }
        try c.encode(restatementDays, forKey: .restatementDays)
        try c.encode(audienceLagHours, forKey: .audienceLagHours)
        try c.encode(accessToken, forKey: .accessToken)
        try c.encode(appId, forKey: .appId)
        try c.encode(secret, forKey: .secret)
        try c.encode(authCode, forKey: .authCode)
        try c.encode(latency, forKey: .latency)
        try c.encode(rateLimit, forKey: .rateLimit)
        try c.encode(faults, forKey: .faults)
        try c.encode(slowResponseSeconds, forKey: .slowResponseSeconds)
        try c.encode(rejectMetrics, forKey: .rejectMetrics)
        try c.encode(authCodeLifetimeSeconds, forKey: .authCodeLifetimeSeconds)
        try c.encodeIfPresent(redirectURI, forKey: .redirectURI)
        try c.encode(sandbox, forKey: .sandbox)
    }
}
