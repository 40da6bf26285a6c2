/// A validated `report/integrated/get` request.
struct ReportQuery {
    enum TimeDimension { case day, hour }

    var reportType: String
    var level: DataLevel
    var dimensions: [String]
    var timeDimension: TimeDimension?
    var split: SubSplit
    var metrics: [MetricDefinition]
    var startDay: Int64?
    var endDay: Int64?
    var lifetime: Bool
    var campaignIDs: Set<UInt64>?
    var adGroupIDs: Set<UInt64>?
    var adIDs: Set<UInt64>?
    /// Status filters by the level they apply to; nil entry = default (not deleted for the row level).
    var statusFilters: [DataLevel: [StatusFilter.Primary]] = [:]
    var page: Int
    var pageSize: Int
    var totalMetrics: Bool

    var isAudience: Bool { reportType == "AUDIENCE" }

    static let idDimensions: Set<String> = ["advertiser_id", "campaign_id", "adgroup_id", "ad_id"]
    static let audienceDimensions: Set<String> = ["age", "gender", "country_code", "platform", "province_id"]
    static let unsupportedKnownDimensions: Set<String> = [
        "ad_id_v2", "ac", "language", "placement", "interest_category", "interest_category_v2",
        "dma_id", "contextual_tag", "stat_time_week", "stat_time_month", "custom_event_type", "event_source_id",
        "comment_id", "search_terms", "tt_app_id",
    ]

    /// - Parameter rejecting: metrics this simulated account refuses though the catalog knows them
    ///   (`SimulatorOptions.rejectMetrics`), as TikTok refuses retired metrics.
    static func parse(_ p: QueryParameters, rejecting: Set<String> = []) throws(APIError) -> ReportQuery {
        if p["advertiser_ids"] != nil {
            throw .invalid("advertiser_ids", "Multi-advertiser reports are not supported by the simulator; use advertiser_id.")
        }
        _ = try p.required("advertiser_id")
        let reportType = try p.required("report_type")
        switch reportType {
        case "BASIC", "AUDIENCE": break
        case "PLAYABLE_MATERIAL", "CATALOG", "BC", "TT_SHOP":
            throw .invalid("report_type", "\(reportType) reports are not supported by the simulator.")
        default:
            throw .invalid("report_type", "one or more value of the param is not acceptable, correct is [BASIC, AUDIENCE, PLAYABLE_MATERIAL, CATALOG, BC, TT_SHOP].")
        }
        if let service = p["service_type"], service != "AUCTION" {
            throw .invalid("service_type", "one or more value of the param is not acceptable, correct is [AUCTION].")
        }
        let levelText = try p.required("data_level")
        guard let level = DataLevel(rawValue: levelText) else {
            throw .invalid("data_level", "one or more value of the param is not acceptable, correct is \(DataLevel.allCases.map(\.rawValue)).")
        }
        if let mode = p["query_mode"], mode != "REGULAR" {
            throw .invalid("query_mode", "one or more value of the param is not acceptable, correct is [REGULAR].")
        }
        if p["order_field"] != nil {
            throw .invalid("order_field", "Sorting is not supported by the simulator.")
        }
        if let order = p["order_type"], order != "ASC", order != "DESC" {
            throw .invalid("order_type", "one or more value of the param is not acceptable, correct is [ASC, DESC].")
        }
        let queryLifetime = try p.bool("query_lifetime") ?? false
        let deprecatedLifetime = try p.bool("lifetime") ?? false
        // The deprecated v1.2 `lifetime` alone on an AUDIENCE report is ignored and the date range served:
        // Airbyte's audience lifetime stream sends `lifetime=true` with start_date/end_date, and TikTok
        // answers it (lifetime itself is not supported for audience reports). `query_lifetime=true`
        // there is still rejected below.
        let lifetime = queryLifetime || (deprecatedLifetime && reportType != "AUDIENCE")
        let lifetimeParam = p["query_lifetime"] != nil ? "query_lifetime" : "lifetime"
        let totalMetrics = try p.bool("enable_total_metrics") ?? false
        _ = try p.bool("multi_adv_report_in_utc_time")

        // Dimensions.
        guard let dimensions = try p.stringArray("dimensions") else { throw .missing("dimensions") }
        guard !dimensions.isEmpty else { throw .invalid("dimensions", "Length must be at least 1.") }
        guard dimensions.count <= 4 else { throw .invalid("dimensions", "Length must be between 1 and 4.") }
        var seen = Set<String>()
        var timeDimension: TimeDimension?
        var audienceDims: [String] = []
        var hasID = false
        for d in dimensions {
            guard seen.insert(d).inserted else { throw .invalid("dimensions", "Duplicate dimension \(d).") }
            switch d {
            case "stat_time_day", "stat_time_hour":
                if timeDimension != nil {
                    throw .invalid("dimensions", "Only one of stat_time_day and stat_time_hour can be used.")
                }
                timeDimension = d == "stat_time_day" ? .day : .hour
            case _ where idDimensions.contains(d):
                guard d == level.idDimension else {
                    throw .invalid(
                        "dimensions",
                        "\(d) is not a valid dimension at data_level \(level.rawValue); valid id dimension is \(level.idDimension). Request parent ids and names as metrics.")
                }
                hasID = true
            case _ where audienceDimensions.contains(d):
                if reportType == "BASIC" && d != "country_code" {
                    throw .invalid("dimensions", "\(d) is only supported in AUDIENCE reports.")
                }
                audienceDims.append(d)
            case _ where unsupportedKnownDimensions.contains(d):
                throw .invalid("dimensions", "\(d) is not supported by the simulator.")
            default:
                throw .invalid("dimensions", "Unknown dimension \(d).")
            }
        }
        if !hasID && level != .advertiser {
            throw .invalid("dimensions", "\(level.idDimension) is required at data_level \(level.rawValue).")
        }
        if reportType == "AUDIENCE" {
            if audienceDims.isEmpty {
                throw .invalid("dimensions", "AUDIENCE reports need one of age, gender, country_code, platform, province_id.")
            }
            if timeDimension == .hour {
                throw .invalid("dimensions", "stat_time_hour is not supported in AUDIENCE reports.")
            }
            if lifetime {
                throw .invalid(lifetimeParam, "Lifetime is not supported for AUDIENCE reports.")
            }
        }
        let split: SubSplit
        switch Set(audienceDims) {
        case []: split = timeDimension == .hour ? .hours : .none
        case ["age"]: split = .age
        case ["gender"]: split = .gender
        case ["age", "gender"]: split = .ageGender
        case ["country_code"]: split = timeDimension == .hour ? .hoursCountry : .country
        case ["platform"]: split = .platform
        case ["province_id"]: split = .province
        default:
            throw .invalid("dimensions", "The combination \(audienceDims) is not supported; combine age with gender only.")
        }
        // Hourly rows can only be broken down by country (BASIC); AUDIENCE hourly is rejected above.
        if timeDimension == .hour && !audienceDims.isEmpty && split != .hoursCountry {
            throw .invalid("dimensions", "stat_time_hour cannot be combined with \(audienceDims[0]).")
        }
        if lifetime {
            if let t = timeDimension {
                throw .invalid("dimensions", "\(t == .day ? "stat_time_day" : "stat_time_hour") is not supported when \(lifetimeParam) is true.")
            }
            if !audienceDims.isEmpty {
                throw .invalid("dimensions", "\(audienceDims[0]) is not supported when \(lifetimeParam) is true.")
            }
        }

        // Metrics. TikTok names every metric it refuses at once, whatever the reason (unknown, retired, not at this
        // level, not in this report type), so a client can drop them all and ask again: collect, then throw once.
        let metricNames = try p.stringArray("metrics") ?? ["spend", "impressions"]
        guard !metricNames.isEmpty else { throw .invalid("metrics", "Length must be at least 1.") }
        var metrics: [MetricDefinition] = []
        var seenMetrics = Set<String>()
        var refused: [String] = []
        for name in metricNames {
            guard seenMetrics.insert(name).inserted else { continue }
            guard let m = MetricCatalog.byName[name], accepts(m, level: level, reportType: reportType), !rejecting.contains(name) else {
                refused.append(name)
                continue
            }
            metrics.append(m)
        }
        if !refused.isEmpty { throw .invalidMetricFields(refused) }

        // Dates.
        var startDay: Int64?
        var endDay: Int64?
        if !lifetime {
            let s = try p.required("start_date")
            let e = try p.required("end_date")
            guard let sd = CivilTime.parseDate(s) else { throw .invalid("start_date", "Not a valid date; use YYYY-MM-DD.") }
            guard let ed = CivilTime.parseDate(e) else { throw .invalid("end_date", "Not a valid date; use YYYY-MM-DD.") }
            guard ed >= sd else { throw .invalid("end_date", "end_date must be later than or equal to start_date.") }
            let span = ed - sd + 1
            switch timeDimension {
            case .day where span > 30:
                throw .invalid("end_date", "The time span between start_date and end_date must not exceed 30 days when stat_time_day is used (got \(span)).")
            case .hour where span > 1:
                throw .invalid("end_date", "The time span between start_date and end_date must not exceed 1 day when stat_time_hour is used (got \(span)).")
            // Without a time dimension the rule is end_date - start_date <= 365: Airbyte asks for today-365 ... today.
            case nil where span - 1 > 365:
                throw .invalid("end_date", "The time span between start_date and end_date must not exceed 365 days (got \(span - 1)).")
            default: break
            }
            startDay = sd
            endDay = ed
        }

        var q = ReportQuery(
            reportType: reportType, level: level, dimensions: dimensions, timeDimension: timeDimension, split: split,
            metrics: metrics, startDay: startDay, endDay: endDay, lifetime: lifetime,
            page: try p.int("page", default: 1, range: 1...Int(Int32.max)),
            pageSize: try p.int("page_size", default: 10, range: 1...1000), totalMetrics: totalMetrics)
        try q.parseFiltering(p)
        return q
    }

    /// Whether a known metric is offered in this report type at this level.
    static func accepts(_ m: MetricDefinition, level: DataLevel, reportType: String) -> Bool {
        if reportType == "AUDIENCE" && !m.audience { return false }
        switch m.formula {
        case .attribute(let a): return a.minimumLevel <= level
        case .cashSpend, .voucherSpend: return level == .advertiser
        default: return true
        }
    }

    mutating func parseFiltering(_ p: QueryParameters) throws(APIError) {
        guard let raw = try p.json("filtering") else { return }
        guard let list = raw as? [Any] else {
            throw .invalid("filtering", "Not a valid list; use [{\"field_name\":...,\"filter_type\":...,\"filter_value\":...}].")
        }
        let filterTypes = ["IN", "NOT_IN", "CONTAIN_ANY_OF", "MATCH", "GREATER_EQUAL", "GREATER_THAN", "LOWER_EQUAL", "LOWER_THAN", "BETWEEN"]
        for item in list {
            guard let f = item as? [String: Any] else { throw .invalid("filtering", "Each filter must be an object.") }
            guard let field = f["field_name"] as? String else { throw .invalid("filtering", "field_name: Missing data for required field.") }
            guard let type = f["filter_type"] as? String else { throw .invalid("filtering", "filter_type: Missing data for required field.") }
            guard filterTypes.contains(type) else {
                throw .invalid("filtering", "filter_type: one or more value of the param is not acceptable, correct is \(filterTypes).")
            }
            guard f["filter_value"] != nil else { throw .invalid("filtering", "filter_value: Missing data for required field.") }
            guard let valueText = f["filter_value"] as? String else {
                throw .invalid("filtering", "filter_value: must be a JSON-encoded string, e.g. \"[\\\"STATUS_ALL\\\"]\".")
            }
            switch field {
            case "campaign_ids", "adgroup_ids", "ad_ids":
                guard type == "IN" else { throw .invalid("filtering", "\(field) only supports filter_type IN.") }
                let v = try QueryParameters.parseJSON(valueText, name: "filtering")
                let ids = try QueryParameters.strings(v, name: "filtering")
                guard ids.count <= 100, !ids.isEmpty else {
                    throw .invalid("filtering", "\(field): Length must be between 1 and 100.")
                }
                var set = Set<UInt64>()
                for s in ids {
                    guard let id = UInt64(s) else { throw .invalid("filtering", "\(field): Not a valid id: \(s).") }
                    set.insert(id)
                }
                if field == "campaign_ids" { campaignIDs = set } else if field == "adgroup_ids" { adGroupIDs = set } else { adIDs = set }
            case "ad_status", "adgroup_status", "campaign_status":
                guard type == "IN" else { throw .invalid("filtering", "\(field) only supports filter_type IN.") }
                let v = try QueryParameters.parseJSON(valueText, name: "filtering")
                let values = try QueryParameters.strings(v, name: "filtering")
                var primaries: [StatusFilter.Primary] = []
                for s in values {
                    guard let pr = StatusFilter.Primary(rawValue: s) else {
                        throw .invalid("filtering", "\(field): one or more value of the param is not acceptable, correct is \(StatusFilter.Primary.allCases.map(\.rawValue)).")
                    }
                    primaries.append(pr)
                }
                let target: DataLevel = field == "ad_status" ? .ad : field == "adgroup_status" ? .adGroup : .campaign
                statusFilters[target] = primaries
            case "buying_type", "campaign_automation_type", "campaign_type", "objective_type":
                _ = try QueryParameters.parseJSON(valueText, name: "filtering")
            default:
                throw .invalid("filtering", "Unknown field_name \(field).")
            }
        }
    }

    /// Whether an entity state passes the status filter of its level (default: not deleted).
    func statusAllows(_ state: EntityState, at level: DataLevel, isRowLevel: Bool) -> Bool {
        guard let primaries = statusFilters[level] else { return isRowLevel ? !state.deleted : true }
        let filter = primaries.map { StatusFilter(primary: $0, secondary: nil) }
        return filter.contains { $0.includes(state) }
    }
}
