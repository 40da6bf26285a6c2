import SyncKit

/// Every object the tool can import, with table names, keys and fields as the OWOX connector names them.
public enum Catalog {
    public static let objects: [CatalogObject] = [
        CatalogObject(name: "advertiser", table: "tiktok_ads_advertiser",
                      description: "Ad accounts: name, company, currency, timezone, balance, status",
                      source: .advertiserInfo, fields: EntityFields.advertiser, key: ["advertiser_id"]),
        CatalogObject(name: "campaigns", table: "tiktok_ads_campaigns",
                      description: "Campaigns: objective, type, status, budget",
                      source: .entity(endpoint: "campaign/get", statusAll: "CAMPAIGN_STATUS_ALL"),
                      fields: EntityFields.campaign, key: ["campaign_id"]),
        CatalogObject(name: "ad_groups", table: "tiktok_ads_ad_groups",
                      description: "Ad groups: budget, bidding, optimisation, targeting, placements, schedule",
                      source: .entity(endpoint: "adgroup/get", statusAll: "ADGROUP_STATUS_ALL"),
                      fields: EntityFields.adGroup, key: ["adgroup_id"]),
        CatalogObject(name: "ads", table: "tiktok_ads_ads",
                      description: "Ads: creative, text, call to action, landing page, status",
                      source: .entity(endpoint: "ad/get", statusAll: "AD_STATUS_ALL"),
                      fields: EntityFields.ad, key: ["ad_id"]),
        CatalogObject(name: "audiences", table: "tiktok_ads_audiences",
                      description: "Custom audiences: type, size, validity, creation and expiry",
                      source: .audiences, fields: EntityFields.audience, key: ["audience_id"]),
    ] + reportObjects + creativeAssetObjects

    /// The creative assets behind the ads: the advertiser's video and image library, listed in full on every run.
    static let creativeAssetObjects: [CatalogObject] = [
        CatalogObject(name: "creative_assets_videos", table: "tiktok_ads_creative_assets_videos",
                      description: "Videos of the ad account's library: file, format, size, dimensions, duration, cover and preview URLs (joins ads.video_id)",
                      source: .creativeAssets(endpoint: "file/video/ad/search"), fields: CreativeAssetFields.video,
                      key: ["video_id", "advertiser_id"]),
        CatalogObject(name: "creative_assets_images", table: "tiktok_ads_creative_assets_images",
                      description: "Images of the ad account's library: file, format, size, dimensions, URL (joins ads.image_ids)",
                      source: .creativeAssets(endpoint: "file/image/ad/search"), fields: CreativeAssetFields.image,
                      key: ["image_id", "advertiser_id"]),
    ]

    /// The report objects: each level daily and hourly; the ad level by country, age and gender, and platform; then
    /// (added later, after the first ones so their order stays) the same breakdowns at the ad group, campaign and
    /// advertiser level, and the lifetime totals of each level.
    static let reportObjects: [CatalogObject] = {
        var objects: [CatalogObject] = []
        let levels: [(DataLevel, String, String)] = [
            (.ad, "ad", "ads"), (.adGroup, "adgroup", "ad groups"), (.campaign, "campaign", "campaigns"), (.advertiser, "advertiser", "ad accounts"),
        ]
        for (level, prefix, plural) in levels {
            objects.append(reportObject(name: "\(prefix)_insights", spec: ReportSpec(level: level, granularity: .day),
                                        description: "Daily performance of \(plural)"))
            objects.append(reportObject(name: "\(prefix)_insights_hourly", spec: ReportSpec(level: level, granularity: .hour),
                                        description: "Hourly performance of \(plural) (local hours of the account)"))
        }
        let breakdowns: [(String, [String], String)] = [
            ("by_country", ["country_code"], "country"),
            ("by_age_gender", ["age", "gender"], "age and gender"),
            ("by_platform", ["platform"], "platform"),
        ]
        for (level, prefix, plural) in levels {
            for (suffix, dimensions, label) in breakdowns {
                objects.append(reportObject(name: "\(prefix)_insights_\(suffix)",
                                            spec: ReportSpec(reportType: "AUDIENCE", level: level, granularity: .day, breakdowns: dimensions),
                                            description: "Daily performance of \(plural) by \(label)"))
            }
        }
        for (level, prefix, plural) in levels {
            objects.append(reportObject(name: "\(prefix)_insights_lifetime", spec: .lifetime(level: level),
                                        description: "Lifetime totals of \(plural) (since each began): a snapshot replaced on every run, each row stamped with the run's synced_at"))
        }
        return objects
    }()

    static func reportObject(name: String, spec: ReportSpec, description: String) -> CatalogObject {
        var fields: [CatalogField] = []
        let idField = spec.level.idDimension
        if spec.level != .advertiser {
            fields.append(CatalogField(idField, .string, "\(spec.level.rawValue) id"))
        }
        fields.append(CatalogField("advertiser_id", .string, "Advertiser ID", injected: spec.level != .advertiser))
        switch spec.granularity {
        case .day: fields.append(CatalogField("stat_time_day", .date, "Day of the row, in the account's timezone"))
        case .hour:
            fields.append(CatalogField("stat_time_hour", .datetime, "Hour of the row, local time of the account"))
            fields.append(CatalogField("timezone", .string, "The account's timezone (IANA name, as advertiser info reports it) that stat_time_hour is local to",
                                       injected: true))
        case nil: fields.append(CatalogField("synced_at", .datetime, "When the run that read this snapshot started (UTC); an advertiser's rows share it", injected: true))
        }
        let breakdownDescriptions = [
            "country_code": "Country (ISO 3166-1 alpha-2)", "age": "Age group, e.g. AGE_25_34",
            "gender": "Gender: MALE, FEMALE or NONE", "platform": "Device platform, e.g. ANDROID, IPHONE",
        ]
        for dimension in spec.breakdowns {
            fields.append(CatalogField(dimension, .string, breakdownDescriptions[dimension] ?? dimension))
        }
        fields += ReportMetrics.attributes(for: spec.level)
        if spec.reportType == "AUDIENCE" {
            // Audience reports accept attribute metrics but only their own subset of the others.
            fields += ReportMetrics.all.filter { ReportMetrics.audienceSupported.contains($0.name) }
        } else {
            fields += ReportMetrics.all
        }
        let time = spec.granularity.map { [$0.rawValue] } ?? []
        let key = (spec.level == .advertiser ? [] : [idField]) + time + spec.breakdowns + ["advertiser_id"]
        return CatalogObject(name: name, table: "tiktok_ads_\(name)", description: description, source: .report(spec),
                             fields: fields, key: key, timeField: spec.granularity?.rawValue,
                             snapshotStamp: spec.isLifetime ? "synced_at" : nil)
    }

    public static func object(named name: String) -> CatalogObject? {
        objects.first { $0.name == name || $0.table == name }
    }

    /// The objects a sync imports when the user names none.
    public static let defaultObjectNames = [
        "advertiser", "campaigns", "ad_groups", "ads", "audiences", "ad_insights", "ad_insights_by_country",
    ]

    /// Resolves user-given object names (or table names); unknown ones are bad input.
    public static func resolve(_ names: [String]) throws -> [CatalogObject] {
        var resolved: [CatalogObject] = []
        for name in names {
            guard let object = object(named: name) else {
                throw SyncError(.badInput,
                    "Unknown object '\(name)'. Known objects: \(objects.map(\.name).joined(separator: ", ")). Run `tiktok-ads discover` for details.")
            }
            if !resolved.contains(object) { resolved.append(object) }
        }
        return resolved
    }
}
