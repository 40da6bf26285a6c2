/// Writes report rows as bytes: pre-encoded keys and date strings, only the requested metrics.
struct ReportRowWriter {
    /// Attribute values of the current row entity, computed once per entity.
    struct Attributes {
        var entityID: UInt64 = 0
        var values: [String: String] = [:]
        /// JSON-encoded value per requested metric (attribute metrics only).
        var encoded: [[UInt8]] = []
        var hasSecondary = false
        var ready = false
    }

    enum DimensionKind {
        case id, day, hour, country, age, gender, platform, province
    }

    let core: SimulatorCore
    let query: ReportQuery
    let advertiser: AdvertiserFacts
    let engine: ReportEngine
    /// The request instant: attribute metrics show the entities' current settings, also in AUDIENCE
    /// reports whose metric data is observed with a lag (`engine.now`).
    let now: Int64
    let dimensionKeys: [(key: [UInt8], kind: DimensionKind)]
    let metricKeys: [[UInt8]]
    let secondaryPlaceholder: StaticString
    /// "YYYY-MM-DD" bytes of the report's days, precomputed.
    let firstDay: Int64
    let dates: [[UInt8]]

    init(
        core: SimulatorCore, query: ReportQuery, advertiser: AdvertiserFacts, engine: ReportEngine, now: Int64,
        days: ClosedRange<Int64>?
    ) {
        self.now = now
        firstDay = days?.lowerBound ?? 0
        dates = days.map { $0.map { CivilTime.dateBytes(days: $0) } } ?? []
        self.core = core
        self.query = query
        self.advertiser = advertiser
        self.engine = engine
        dimensionKeys = query.dimensions.map { d in
            let kind: DimensionKind
            switch d {
            case "stat_time_day": kind = .day
            case "stat_time_hour": kind = .hour
            case "country_code": kind = .country
            case "age": kind = .age
            case "gender": kind = .gender
            case "platform": kind = .platform
            case "province_id": kind = .province
            default: kind = .id
            }
            return (Array("\"\(d)\":".utf8), kind)
        }
        metricKeys = query.metrics.map { Array("\"\($0.name)\":".utf8) }
        secondaryPlaceholder = query.level >= .adGroup ? "\"-\"" : "null"
    }

    func writeRow(
        entity e: SimulatorCore.ReportEntity, day: Int64, bucket: Int, values v: [Int64], offset o: Int,
        attributes: inout Attributes, to w: inout JSONWriter
    ) {
        w.raw("{\"dimensions\":{")
        for (i, d) in dimensionKeys.enumerated() {
            if i > 0 { w.byte(44) }
            w.raw(d.key)
            switch d.kind {
            case .id:
                w.byte(34)
                w.uint(e.id)
                w.byte(34)
            case .day:
                w.byte(34)
                w.raw(dateBytes(day))
                w.raw(" 00:00:00\"")
            case .hour:
                let hour = query.split == .hoursCountry ? bucket / 5 : bucket
                w.byte(34)
                w.raw(dateBytes(day))
                w.byte(32)
                w.byte(UInt8(48 + hour / 10))
                w.byte(UInt8(48 + hour % 10))
                w.raw(":00:00\"")
            case .country: w.string(advertiser.region.audienceCountries[query.split == .hoursCountry ? bucket % 5 : bucket])
            case .age: w.string(WorldTables.ageGroups[query.split == .ageGender ? bucket / 3 : bucket])
            case .gender: w.string(WorldTables.genders[query.split == .ageGender ? bucket % 3 : bucket])
            case .platform: w.string(WorldTables.platforms[bucket])
            case .province: w.string(engine.provinceIDs[bucket])
            }
        }
        w.raw("},\"metrics\":{")
        if attributes.entityID != e.id || !attributes.ready {
            attributes = makeAttributes(e)
        }
        writeMetrics(v, offset: o, hasSecondary: attributes.hasSecondary, attributes: attributes, to: &w)
        w.raw("}}")
    }

    func writeTotals(_ v: [Int64], to w: inout JSONWriter) {
        w.byte(123)
        var first = true
        for (i, m) in query.metrics.enumerated() {
            if case .attribute = m.formula { continue }
            if !first { w.byte(44) }
            first = false
            w.raw(metricKeys[i])
            writeValue(m.formula, v, offset: 0, hasSecondary: true, attributes: nil, to: &w)
        }
        w.byte(125)
    }

    private func dateBytes(_ day: Int64) -> [UInt8] {
        let i = Int(day - firstDay)
        if i >= 0 && i < dates.count { return dates[i] }
        return CivilTime.dateBytes(days: day)
    }

    @inline(__always)
    private func writeMetrics(_ v: [Int64], offset o: Int, hasSecondary: Bool, attributes: Attributes, to w: inout JSONWriter) {
        for (i, m) in query.metrics.enumerated() {
            if i > 0 { w.byte(44) }
            w.raw(metricKeys[i])
            writeValue(m.formula, v, offset: o, hasSecondary: hasSecondary, attributes: attributes, metricIndex: i, to: &w)
        }
    }

    @inline(__always)
    private func writeValue(
        _ f: MetricFormula, _ v: [Int64], offset o: Int, hasSecondary: Bool, attributes: Attributes?,
        metricIndex: Int = 0, to w: inout JSONWriter
    ) {
        switch f {
        case .count(let q):
            w.quotedInt(v[o + q.rawValue])
        case .money(let q):
            w.quotedFixed(v[o + q.rawValue], decimals: 2)
        case .costPer(let m, let c, let scale, let decimals):
            let den = v[o + c.rawValue]
            let extra: Int64 = decimals == 3 ? 10 : 1
            w.quotedFixed(den == 0 ? 0 : roundedDivide(v[o + m.rawValue] * scale * extra, den), decimals: decimals)
        case .percent(let n, let d):
            let den = v[o + d.rawValue]
            w.quotedFixed(den == 0 ? 0 : roundedDivide(v[o + n.rawValue] * 10_000, den), decimals: 2)
        case .ratio(let n, let d, let scale, let decimals):
            let den = v[o + d.rawValue]
            var p: Int64 = 1
            for _ in 0..<decimals { p *= 10 }
            w.quotedFixed(den == 0 ? 0 : roundedDivide(v[o + n.rawValue] * scale * p, den), decimals: decimals)
        case .seconds(let n, let d):
            let den = v[o + d.rawValue]
            w.quotedFixed(den == 0 ? 0 : roundedDivide(v[o + n.rawValue], den * 10), decimals: 2)
        case .secondaryCount:
            if hasSecondary { w.quotedInt(v[o + Quantity.secondaryGoalResult.rawValue]) } else { w.raw(secondaryPlaceholder) }
        case .secondaryCost:
            let den = v[o + Quantity.secondaryGoalResult.rawValue]
            if hasSecondary {
                w.quotedFixed(den == 0 ? 0 : roundedDivide(v[o + Quantity.spend.rawValue], den), decimals: 2)
            } else {
                w.raw(secondaryPlaceholder)
            }
        case .secondaryRate:
            let den = v[o + Quantity.clicks.rawValue]
            if hasSecondary {
                w.quotedFixed(den == 0 ? 0 : roundedDivide(v[o + Quantity.secondaryGoalResult.rawValue] * 10_000, den), decimals: 2)
            } else {
                w.raw(secondaryPlaceholder)
            }
        case .cashSpend:
            w.quotedFixed(v[o + Quantity.spend.rawValue] - v[o + Quantity.voucherSpend.rawValue], decimals: 2)
        case .voucherSpend:
            w.quotedFixed(v[o + Quantity.voucherSpend.rawValue], decimals: 2)
        case .attribute:
            if let attributes, o >= 0, metricIndex < attributes.encoded.count {
                w.raw(attributes.encoded[metricIndex])
            } else {
                w.raw("\"-\"")
            }
        }
    }

    /// Attribute metric values of a row entity, as the real API reports them (strings).
    func makeAttributes(_ e: SimulatorCore.ReportEntity) -> Attributes {
        var out = Attributes()
        out.entityID = e.id
        out.hasSecondary = (e.lo..<e.hi).contains { engine.adSecondary[$0] }
        var values: [String: String] = ["currency": advertiser.region.currency]
        let region = advertiser.region
        if let c = e.campaign {
            let o = core.model.objective(campaignH: c.h)
            let cs = EntityState.campaign(c.timeline, now: now)
            values["campaign_id"] = String(c.id)
            values["campaign_name"] = core.campaignName(c)
            values["campaign_budget"] = ReportRowWriter.money(core.budget(c.h, version: cs.version, region: region))
            values["campaign_dedicate_type"] = "-"
            values["split_test"] = "Split test off"
            values["app_promotion_type"] = o.isApp ? "App install" : "-"
            values["objective_type"] = o.objectiveType
            values["rf_campaign_type"] = "STANDARD"
            values["opt_status"] = (e.state ?? cs).enabled ? "ENABLE" : "DISABLE"
            if let g = e.adGroup {
                let gs = EntityState.adGroup(g.timeline, campaign: c.timeline, now: now)
                values["adgroup_id"] = String(g.id)
                values["adgroup_name"] = core.adGroupName(g)
                values["placement_type"] = core.isAutomaticPlacement(g) ? "Automatic Placement" : "Select Placement"
                values["promotion_type"] = o.promotionLabel
                values["budget"] = ReportRowWriter.money(core.budget(g.h, version: gs.version, region: region))
                values["bid"] = o.billingEvent == "CPC"
                    ? ReportRowWriter.money(Hashing.range(Hashing.mix(g.h ^ 35), 10, 200) * region.currencyPerMille / 1000) : "0.00"
                values["bid_strategy"] = o.billingEvent == "CPC" ? "Bid cap" : "Maximum delivery"
                values["billing_event"] = o.billingEvent == "OCPM" ? "oCPM" : o.billingEvent
                values["smart_target"] = "-"
                values["dpa_target_audience_type"] = "-"
                values["mobile_app_id"] = "0"
                values["tt_app_id"] = "0"
                values["tt_app_name"] = "0"
            }
            if let a = e.ad {
                values["ad_name"] = core.adName(a)
                values["ad_text"] = core.adText(a)
                values["call_to_action"] = WorldTables.callToActionLabels[core.callToActionIndex(a)]
                values["image_mode"] = Hashing.mix(a.h ^ 24) % 4 != 0 ? "Single video" : "Single image"
                values["is_smart_creative"] = "false"
            }
        }
        out.values = values
        out.encoded = query.metrics.map { m in
            guard case .attribute(let a) = m.formula, let value = values[a.rawValue] else { return Array("\"-\"".utf8) }
            var w = JSONWriter(capacity: value.utf8.count + 2)
            w.string(value)
            return w.bytes
        }
        out.ready = true
        return out
    }

    static func money(_ hundredths: Int64) -> String {
        var w = JSONWriter(capacity: 16)
        w.fixed(hundredths, decimals: 2)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
