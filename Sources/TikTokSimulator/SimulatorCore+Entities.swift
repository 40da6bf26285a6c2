/// campaign/get, adgroup/get and ad/get.
extension SimulatorCore {
    static let campaignFields = [
        "advertiser_id", "campaign_id", "campaign_name", "campaign_type", "objective_type", "objective",
        "app_promotion_type", "budget_mode", "budget", "budget_optimize_on", "operation_status", "secondary_status",
        "is_new_structure", "is_smart_performance_campaign", "is_search_campaign", "is_advanced_dedicated_campaign",
        "campaign_automation_type", "rf_campaign_type", "campaign_product_source", "roas_bid", "deep_bid_type",
        "special_industries", "create_time", "modify_time",
    ]
    static let adGroupFields = [
        "advertiser_id", "campaign_id", "campaign_name", "adgroup_id", "adgroup_name", "operation_status",
        "secondary_status", "budget_mode", "budget", "bid_type", "bid_price", "conversion_bid_price", "deep_cpa_bid",
        "billing_event", "optimization_goal", "optimization_event", "promotion_type", "placement_type", "placements",
        "location_ids", "audience_ids", "excluded_audience_ids", "interest_category_ids", "age_groups", "gender",
        "operating_systems", "schedule_type", "schedule_start_time", "schedule_end_time", "dayparting", "pacing",
        "frequency", "frequency_schedule", "pixel_id", "app_id", "deep_bid_type", "secondary_optimization_event",
        "skip_learning_phase", "comment_disabled", "share_disabled", "video_download_disabled",
        "auto_targeting_enabled", "is_hfss", "is_new_structure", "create_time", "modify_time",
    ]
    static let adFields = [
        "advertiser_id", "campaign_id", "campaign_name", "adgroup_id", "adgroup_name", "ad_id", "ad_name",
        "operation_status", "secondary_status", "ad_format", "ad_text", "ad_texts", "call_to_action",
        "call_to_action_id", "video_id", "image_ids", "landing_page_url", "landing_page_urls", "deeplink",
        "display_name", "profile_image_url", "identity_id", "identity_type", "tracking_pixel_id",
        "impression_tracking_url", "click_tracking_url", "is_aco", "is_new_structure", "creative_type", "catalog_id",
        "product_set_id", "create_time", "modify_time",
    ]

    static let filteringKeys: [EntityKind: Set<String>] = [
        .campaign: [
            "campaign_ids", "campaign_name", "primary_status", "secondary_status", "objective_type", "buying_types",
            "campaign_system_origins", "campaign_type", "optimization_goal", "is_smart_performance_campaign",
            "creative_campaign_type", "split_test_enabled", "campaign_product_source", "sales_destination",
            "campaign_automation_type", "creation_filter_start_time", "creation_filter_end_time",
        ],
        .adGroup: [
            "campaign_ids", "adgroup_ids", "adgroup_name", "primary_status", "secondary_status", "objective_type",
            "buying_types", "optimization_goal", "promotion_type", "bid_strategy", "creative_material_mode",
            "billing_events", "campaign_system_origins", "campaign_automation_type", "split_test_enabled",
            "creation_filter_start_time", "creation_filter_end_time",
        ],
        .ad: [
            "campaign_ids", "adgroup_ids", "ad_ids", "campaign_system_origins", "primary_status", "secondary_status",
            "objective_type", "buying_types", "optimization_goal", "creative_material_mode", "destination",
            "creation_filter_start_time", "creation_filter_end_time", "modified_after",
        ],
    ]

    /// Parsed `filtering` of an entity listing.
    struct EntityFiltering {
        var campaignIDs: Set<UInt64>?
        var adGroupIDs: Set<UInt64>?
        var adIDs: Set<UInt64>?
        var name: String?
        var status = StatusFilter.default
        var objectiveType: String?
        var optimizationGoal: String?
        var createdFrom: Int64?
        var createdTo: Int64?
        var modifiedAfter: Int64?
        var buyingTypesExcludeAuction = false
    }

    static func idSet(_ value: Any, name: String) throws(APIError) -> Set<UInt64> {
        let list = try QueryParameters.strings(value, name: "filtering", maxCount: nil)
        guard list.count <= 100 else { throw .invalid("filtering", "\(name): Length must be between 1 and 100.") }
        var out = Set<UInt64>()
        for s in list {
            guard let v = UInt64(s) else { throw .invalid("filtering", "\(name): Not a valid id: \(s).") }
            out.insert(v)
        }
        return out
    }

    func parseEntityFiltering(_ request: APIRequest, kind: EntityKind) throws(APIError) -> EntityFiltering {
        var f = EntityFiltering()
        guard let object = try request.query.object("filtering") else { return f }
        let allowed = SimulatorCore.filteringKeys[kind] ?? []
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            guard allowed.contains(key) else {
                throw .invalid("filtering", "Unknown field \(key).")
            }
            switch key {
            case "campaign_ids": f.campaignIDs = try SimulatorCore.idSet(value, name: key)
            case "adgroup_ids": f.adGroupIDs = try SimulatorCore.idSet(value, name: key)
            case "ad_ids": f.adIDs = try SimulatorCore.idSet(value, name: key)
            case "campaign_name", "adgroup_name":
                guard let s = value as? String else { throw .invalid("filtering", "\(key): Not a valid string.") }
                f.name = s.lowercased()
            case "primary_status":
                guard let s = value as? String, let p = StatusFilter.Primary(rawValue: s) else {
                    throw .invalid(
                        "filtering",
                        "primary_status: one or more value of the param is not acceptable, correct is \(StatusFilter.Primary.allCases.map(\.rawValue)).")
                }
                f.status.primary = p
            case "secondary_status":
                let allowedValues = StatusFilter.secondaryValues(kind)
                guard let s = value as? String, allowedValues.contains(s) else {
                    throw .invalid(
                        "filtering",
                        "secondary_status: one or more value of the param is not acceptable, correct is \(allowedValues).")
                }
                f.status.secondary = s
            case "objective_type":
                guard let s = value as? String else { throw .invalid("filtering", "objective_type: Not a valid string.") }
                f.objectiveType = s
            case "optimization_goal":
                guard let s = value as? String else { throw .invalid("filtering", "optimization_goal: Not a valid string.") }
                f.optimizationGoal = s
            case "creation_filter_start_time", "creation_filter_end_time", "modified_after":
                guard let s = value as? String, let t = CivilTime.parseDateTime(s) else {
                    throw .invalid("filtering", "\(key): Not a valid datetime; use YYYY-MM-DD HH:MM:SS (UTC).")
                }
                if key == "creation_filter_start_time" { f.createdFrom = t }
                else if key == "creation_filter_end_time" { f.createdTo = t }
                else { f.modifiedAfter = t }
            case "buying_types":
                let list = try QueryParameters.strings(value, name: "filtering")
                let known = ["AUCTION", "RESERVATION_RF", "RESERVATION_TOP_VIEW"]
                for s in list where !known.contains(s) {
                    throw .invalid("filtering", "buying_types: one or more value of the param is not acceptable, correct is \(known).")
                }
                if list.contains("RESERVATION_TOP_VIEW") && list.count > 1 {
                    throw .invalid("filtering", "buying_types: RESERVATION_TOP_VIEW must be queried alone.")
                }
                f.buyingTypesExcludeAuction = !list.contains("AUCTION")
            default:
                break
            }
        }
        if let from = f.createdFrom, let to = f.createdTo, to < from {
            throw .invalid("filtering", "creation_filter_end_time must not be earlier than creation_filter_start_time.")
        }
        return f
    }

    /// One row of an entity listing with everything needed to write it.
    struct EntityRow {
        var campaign: EntityFacts
        var adGroup: EntityFacts?
        var ad: EntityFacts?
        var state: EntityState
        var id: UInt64
    }

    func entityListing(_ request: APIRequest, kind: EntityKind) -> Outcome {
        success(request, capacity: 64 * 1024) { w throws(APIError) in
            let adv = try grantedAdvertiser(request)
            let allFields: [String] =
                kind == .campaign ? SimulatorCore.campaignFields
                : kind == .adGroup ? SimulatorCore.adGroupFields : SimulatorCore.adFields
            let fields = try request.query.stringArray("fields") ?? allFields
            for f in fields where !allFields.contains(f) {
                throw .invalid("fields", "Unknown field \(f). Allowed values: \(allFields.joined(separator: ", ")).")
            }
            var dropNulls = false
            if let exclude = try request.query.stringArray("exclude_field_types_in_response") {
                for e in exclude where e != "NULL_FIELD" {
                    throw .invalid("exclude_field_types_in_response", "one or more value of the param is not acceptable, correct is [\"NULL_FIELD\"].")
                }
                dropNulls = exclude.contains("NULL_FIELD")
            }
            let page = try request.query.int("page", default: 1, range: 1...Int(Int32.max))
            let pageSize = try request.query.int("page_size", default: 10, range: 1...1000)
            let filter = try parseEntityFiltering(request, kind: kind)
            let now = request.now

            // Collect the matching rows (ids and facts only), sorted by id descending.
            var rows: [EntityRow] = []
            let campaigns = (0..<model.campaignsPerAdvertiser).map { model.campaign(adv, $0) }
            for c in campaigns {
                if let ids = filter.campaignIDs, !ids.contains(c.id) { continue }
                if c.timeline.create > now { continue }
                if kind == .campaign {
                    let s = EntityState.campaign(c.timeline, now: now)
                    if entityMatches(filter, state: s, name: campaignName(c), objective: model.objective(campaignH: c.h), create: c.timeline.create) {
                        rows.append(EntityRow(campaign: c, state: s, id: c.id))
                    }
                    continue
                }
                for gi in 0..<model.adGroupsPerCampaign {
                    let g = model.adGroup(adv, c.index * model.adGroupsPerCampaign + gi, campaign: c)
                    if let ids = filter.adGroupIDs, !ids.contains(g.id) { continue }
                    if g.timeline.create > now { continue }
                    if kind == .adGroup {
                        let s = EntityState.adGroup(g.timeline, campaign: c.timeline, now: now)
                        if entityMatches(filter, state: s, name: adGroupName(g), objective: model.objective(campaignH: c.h), create: g.timeline.create) {
                            rows.append(EntityRow(campaign: c, adGroup: g, state: s, id: g.id))
                        }
                        continue
                    }
                    for ai in 0..<model.adsPerAdGroup {
                        let a = model.ad(adv, g.index * model.adsPerAdGroup + ai, adGroup: g)
                        if let ids = filter.adIDs, !ids.contains(a.id) { continue }
                        if a.timeline.create > now { continue }
                        let s = EntityState.ad(a.timeline, adGroup: g.timeline, campaign: c.timeline, now: now)
                        if let after = filter.modifiedAfter, s.modifyTime <= after { continue }
                        if entityMatches(filter, state: s, name: nil, objective: model.objective(campaignH: c.h), create: a.timeline.create) {
                            rows.append(EntityRow(campaign: c, adGroup: g, ad: a, state: s, id: a.id))
                        }
                    }
                }
            }
            rows.sort { $0.id > $1.id }

            SimulatorCore.writeListing(rows, page: page, pageSize: pageSize, insertedRows: request.insertedRows, to: &w) { row, w in
                writeEntity(row, kind: kind, fields: fields, dropNulls: dropNulls, now: now, to: &w)
            }
        }
    }

    /// `{"list":[…],"page_info":{…}}` for page `page` of `items`, as offset paging answers after `insertedRows` rows were
    /// inserted before the offset by rowInserted faults: the listing grows by that many, and the rows shift into later pages.
    static func writeListing<Item>(_ items: [Item], page: Int, pageSize: Int, insertedRows shift: Int, to w: inout JSONWriter,
                                   item write: (Item, inout JSONWriter) -> Void) {
        let total = items.isEmpty ? 0 : items.count + shift
        w.raw("{\"list\":[")
        let start = (page - 1) * pageSize
        if start < total {
            for position in start..<min(total, start + pageSize) {
                if position > start { w.byte(44) }
                write(items[max(0, position - shift)], &w)
            }
        }
        w.raw("],\"page_info\":")
        writePageInfo(page: page, pageSize: pageSize, total: total, to: &w)
        w.raw("}")
    }

    static func writePageInfo(page: Int, pageSize: Int, total: Int, to w: inout JSONWriter) {
        w.raw("{\"page\":")
        w.int(page)
        w.raw(",\"page_size\":")
        w.int(pageSize)
        w.raw(",\"total_number\":")
        w.int(total)
        w.raw(",\"total_page\":")
        w.int((total + pageSize - 1) / pageSize)
        w.raw("}")
    }

    func entityMatches(
        _ f: EntityFiltering, state: EntityState, name: String?, objective: WorldTables.Objective, create: Int64
    ) -> Bool {
        if !f.status.includes(state) { return false }
        if f.buyingTypesExcludeAuction { return false }
        if let n = f.name, let name, !name.lowercased().contains(n) { return false }
        if let o = f.objectiveType, o != objective.objectiveType { return false }
        if let g = f.optimizationGoal, g != objective.optimizationGoal { return false }
        if let from = f.createdFrom, create < from { return false }
        if let to = f.createdTo, create > to { return false }
        return true
    }

    // MARK: Names and attributes shared with reports

    func campaignName(_ c: EntityFacts) -> String {
        let o = model.objective(campaignH: c.h)
        let month = String(CivilTime.dateString(days: CivilTime.floorDiv(c.timeline.create, 86_400)).prefix(7))
        return "\(o.label) \(month) #\(c.index + 1)"
    }

    func adGroupName(_ g: EntityFacts) -> String {
        let adj = WorldTables.adjectives[Int(Hashing.mix(g.h ^ 21) % UInt64(WorldTables.adjectives.count))]
        return "Ad Group \(g.index + 1) - \(adj)"
    }

    func adName(_ a: EntityFacts) -> String {
        "Optimized Version \(a.index + 1)"
    }

    func adText(_ a: EntityFacts) -> String {
        WorldTables.adTexts[Int(Hashing.mix(a.h ^ 22) % UInt64(WorldTables.adTexts.count))]
    }

    func callToActionIndex(_ a: EntityFacts) -> Int {
        Int(Hashing.mix(a.h ^ 23) % UInt64(WorldTables.callToActions.count))
    }

    func budgetMode(_ h: UInt64) -> String {
        switch Hashing.mix(h ^ 31) % 4 {
        case 0, 1: return "BUDGET_MODE_DAY"
        case 2: return "BUDGET_MODE_TOTAL"
        default: return "BUDGET_MODE_INFINITE"
        }
    }

    /// Budget in hundredths of the account currency at the given version (0, 1, 2 modifications).
    func budget(_ h: UInt64, version: Int, region: WorldTables.Region) -> Int64 {
        if budgetMode(h) == "BUDGET_MODE_INFINITE" { return 0 }
        let base = Hashing.range(Hashing.mix(h ^ 32), 20, 500) * 100
        let factor: Int64 = [100, 125, 90][min(version, 2)]
        return base * factor / 100 * region.currencyPerMille / 1000 / 100 * 100
    }

    func isAutomaticPlacement(_ g: EntityFacts) -> Bool { Hashing.mix(g.h ^ 33) % 2 == 0 }

    // MARK: Writing

    func writeEntity(
        _ row: EntityRow, kind: EntityKind, fields: [String], dropNulls: Bool, now: Int64, to w: inout JSONWriter
    ) {
        let region = model.advertiser(row.campaign.advertiser).region
        var first = true
        w.byte(123)
        for f in fields {
            let v: FieldValue
            switch kind {
            case .campaign: v = campaignField(f, row, region: region, now: now)
            case .adGroup: v = adGroupField(f, row, region: region, now: now)
            default: v = adField(f, row, region: region, now: now)
            }
            if dropNulls && v.isNull { continue }
            if !first { w.byte(44) }
            first = false
            w.key(f)
            v.write(to: &w)
        }
        w.byte(125)
    }

    func commonField(_ f: String, _ row: EntityRow, timeline: Timeline) -> FieldValue? {
        switch f {
        case "advertiser_id": return .id(model.codec.encode(.advertiser, advertiser: row.campaign.advertiser, entity: 0))
        case "campaign_id": return .id(row.campaign.id)
        case "campaign_name": return .string(campaignName(row.campaign))
        case "adgroup_id": return row.adGroup.map { .id($0.id) } ?? .null
        case "adgroup_name": return row.adGroup.map { .string(adGroupName($0)) } ?? .null
        case "operation_status": return .string(row.state.enabled ? "ENABLE" : "DISABLE")
        case "secondary_status": return .string(row.state.secondaryStatus)
        case "create_time": return .string(CivilTime.dateTimeString(seconds: timeline.create))
        case "modify_time": return .string(CivilTime.dateTimeString(seconds: row.state.modifyTime))
        case "is_new_structure": return .bool(true)
        case "deep_bid_type": return .null
        default: return nil
        }
    }

    func campaignField(_ f: String, _ row: EntityRow, region: WorldTables.Region, now: Int64) -> FieldValue {
        let c = row.campaign
        if let v = commonField(f, row, timeline: c.timeline) { return v }
        let o = model.objective(campaignH: c.h)
        switch f {
        case "campaign_type": return .string("REGULAR_CAMPAIGN")
        case "objective_type": return .string(o.objectiveType)
        case "objective": return .string(o.isApp ? "APP" : "LANDING_PAGE")
        case "app_promotion_type": return .string(o.isApp ? "APP_INSTALL" : "UNSET")
        case "budget_mode": return .string(budgetMode(c.h))
        case "budget": return .money(budget(c.h, version: row.state.version, region: region))
        case "budget_optimize_on": return .bool(Hashing.mix(c.h ^ 34) % 3 == 0)
        case "is_smart_performance_campaign", "is_search_campaign", "is_advanced_dedicated_campaign": return .bool(false)
        case "campaign_automation_type": return .string("MANUAL")
        case "rf_campaign_type": return .string("STANDARD")
        case "campaign_product_source": return .null
        case "roas_bid": return .int(0)
        case "special_industries": return .strings([])
        default: return .null
        }
    }

    func adGroupField(_ f: String, _ row: EntityRow, region: WorldTables.Region, now: Int64) -> FieldValue {
        guard let g = row.adGroup else { return .null }
        if let v = commonField(f, row, timeline: g.timeline) { return v }
        let o = model.objective(campaignH: row.campaign.h)
        let automatic = isAutomaticPlacement(g)
        switch f {
        case "budget_mode": return .string(budgetMode(g.h))
        case "budget": return .money(budget(g.h, version: row.state.version, region: region))
        case "bid_type": return .string(o.billingEvent == "CPC" ? "BID_TYPE_CUSTOM" : "BID_TYPE_NO_BID")
        case "bid_price":
            return .money(o.billingEvent == "CPC" ? Hashing.range(Hashing.mix(g.h ^ 35), 10, 200) * region.currencyPerMille / 1000 : 0)
        case "conversion_bid_price", "deep_cpa_bid": return .money(0)
        case "billing_event": return .string(o.billingEvent)
        case "optimization_goal": return .string(o.optimizationGoal)
        case "optimization_event": return o.isConversion ? .string(o.isApp ? "ACTIVE" : o.isLead ? "FORM" : "SHOPPING") : .null
        case "secondary_optimization_event":
            return model.hasSecondaryGoal(adGroupH: g.h, objective: o) ? .string("ON_WEB_ADD_TO_WISHLIST") : .null
        case "promotion_type": return .string(o.promotionType)
        case "placement_type": return .string(automatic ? "PLACEMENT_TYPE_AUTOMATIC" : "PLACEMENT_TYPE_NORMAL")
        case "placements":
            return .strings(automatic ? WorldTables.placementsSelect : ["PLACEMENT_TIKTOK"])
        case "location_ids": return .strings([WorldTables.locationIDs[region.country] ?? "6252001"])
        case "audience_ids":
            if model.audiencesPerAdvertiser > 0 && Hashing.mix(g.h ^ 36) % 2 == 0 {
                let i = Int(Hashing.mix(g.h ^ 37) % UInt64(model.audiencesPerAdvertiser))
                return .strings([String(model.codec.encode(.audience, advertiser: g.advertiser, entity: i))])
            }
            return .strings([])
        case "excluded_audience_ids", "interest_category_ids": return .strings([])
        case "age_groups":
            return Hashing.mix(g.h ^ 38) % 2 == 0 ? .null : .strings(["AGE_18_24", "AGE_25_34", "AGE_35_44"])
        case "gender": return .string("GENDER_UNLIMITED")
        case "operating_systems": return .strings([])
        case "schedule_type": return .string("SCHEDULE_FROM_NOW")
        case "schedule_start_time": return .string(CivilTime.dateTimeString(seconds: g.timeline.create))
        case "schedule_end_time":
            return .string(CivilTime.dateTimeString(seconds: g.timeline.create + 3650 * CivilTime.secondsPerDay))
        case "dayparting": return .string(String(repeating: "1", count: 336))
        case "pacing": return .string("PACING_MODE_SMOOTH")
        case "frequency", "frequency_schedule", "pixel_id", "app_id": return .null
        case "skip_learning_phase", "comment_disabled", "share_disabled", "video_download_disabled", "is_hfss":
            return .bool(false)
        case "auto_targeting_enabled": return .bool(automatic)
        default: return .null
        }
    }

    func adField(_ f: String, _ row: EntityRow, region: WorldTables.Region, now: Int64) -> FieldValue {
        guard let a = row.ad else { return .null }
        if let v = commonField(f, row, timeline: a.timeline) { return v }
        let video = adHasVideo(a)
        switch f {
        case "ad_id": return .id(a.id)
        case "ad_name": return .string(adName(a))
        case "ad_format": return .string(video ? "SINGLE_VIDEO" : "SINGLE_IMAGE")
        case "ad_text": return .string(adText(a))
        case "call_to_action": return .string(WorldTables.callToActions[callToActionIndex(a)])
        case "video_id": return video ? .string(videoID(a)) : .null
        case "image_ids": return .strings(video ? [] : [imageID(a)])
        case "landing_page_url": return .string("https://example.com/landing/\(a.index + 1)")
        case "deeplink": return .string("")
        case "display_name": return .string(model.advertiser(a.advertiser).company)
        case "profile_image_url": return .string("https://example.com/avatar.png")
        case "identity_id": return .string(String(Hashing.mix(a.h ^ 27) % 10_000_000_000_000_000))
        case "identity_type": return .string("CUSTOMIZED_USER")
        case "is_aco": return .bool(false)
        default: return .null
        }
    }
}
