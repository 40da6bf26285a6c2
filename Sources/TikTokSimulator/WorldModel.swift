import Foundation

/// Fixed tables the generated accounts draw from.
enum WorldTables {
    struct Region {
        let timezone: String
        let currency: String
        let country: String
        /// Units of currency per USD, times 1000.
        let currencyPerMille: Int64
        let audienceCountries: [String]
    }

    static let regions: [Region] = [
        Region(timezone: "America/New_York", currency: "USD", country: "US", currencyPerMille: 1000,
               audienceCountries: ["US", "CA", "MX", "GB", "AU"]),
        Region(timezone: "Europe/London", currency: "GBP", country: "GB", currencyPerMille: 790,
               audienceCountries: ["GB", "IE", "US", "DE", "FR"]),
        Region(timezone: "Asia/Tokyo", currency: "JPY", country: "JP", currencyPerMille: 150_000,
               audienceCountries: ["JP", "KR", "TW", "US", "SG"]),
        Region(timezone: "Europe/Berlin", currency: "EUR", country: "DE", currencyPerMille: 920,
               audienceCountries: ["DE", "AT", "CH", "FR", "NL"]),
        Region(timezone: "America/Los_Angeles", currency: "USD", country: "US", currencyPerMille: 1000,
               audienceCountries: ["US", "CA", "MX", "GB", "AU"]),
        Region(timezone: "Asia/Singapore", currency: "SGD", country: "SG", currencyPerMille: 1340,
               audienceCountries: ["SG", "MY", "ID", "PH", "TH"]),
        Region(timezone: "Australia/Sydney", currency: "AUD", country: "AU", currencyPerMille: 1520,
               audienceCountries: ["AU", "NZ", "US", "GB", "SG"]),
        Region(timezone: "America/Sao_Paulo", currency: "BRL", country: "BR", currencyPerMille: 5000,
               audienceCountries: ["BR", "AR", "MX", "CL", "CO"]),
        Region(timezone: "Etc/GMT", currency: "USD", country: "US", currencyPerMille: 1000,
               audienceCountries: ["US", "GB", "CA", "AU", "IE"]),
    ]

    static let locationIDs: [String: String] = [
        "US": "6252001", "GB": "2635167", "JP": "1861060", "DE": "2921044", "SG": "1880251",
        "AU": "2077456", "BR": "3469034",
    ]

    /// First-level regions ("provinces") of each account country, as GeoNames-style 7-digit ids (the
    /// form of TikTok's `province_id`), with a base delivery weight. The AUDIENCE `province_id` split
    /// of an advertiser uses its country's list, weights perturbed per advertiser.
    static let provinces: [String: [(id: String, weight: Int64)]] = [
        "US": [("5332921", 30), ("4736286", 22), ("4155751", 17), ("5128638", 15), ("4896861", 9), ("6254927", 7)],
        "GB": [("6269131", 84), ("2638360", 8), ("2634895", 5), ("2641364", 3)],
        "JP": [("1850144", 35), ("1853904", 20), ("1860291", 18), ("1865694", 12), ("1863958", 8), ("2130037", 7)],
        "DE": [("2861876", 26), ("2951839", 22), ("2953481", 18), ("2862926", 13), ("2905330", 11), ("2950157", 10)],
        "SG": [("1880252", 40), ("7289707", 20), ("7289708", 15), ("7289709", 13), ("7289710", 12)],
        "AU": [("2155400", 32), ("2145234", 26), ("2152274", 20), ("2058645", 11), ("2061327", 7), ("2147291", 4)],
        "BR": [("3448433", 34), ("3457153", 16), ("3451189", 15), ("3471168", 12), ("3455077", 12), ("3451133", 11)],
    ]

    struct Objective {
        let objectiveType: String
        let optimizationGoal: String
        let billingEvent: String
        let promotionType: String
        let promotionLabel: String
        let label: String
        let isApp: Bool
        let isLead: Bool
        let isConversion: Bool
    }

    static let objectives: [Objective] = [
        Objective(objectiveType: "TRAFFIC", optimizationGoal: "CLICK", billingEvent: "CPC", promotionType: "WEBSITE",
                  promotionLabel: "Website", label: "Website Traffic", isApp: false, isLead: false, isConversion: false),
        Objective(objectiveType: "WEB_CONVERSIONS", optimizationGoal: "CONVERT", billingEvent: "OCPM",
                  promotionType: "WEBSITE", promotionLabel: "Website", label: "Website Conversions", isApp: false,
                  isLead: false, isConversion: true),
        Objective(objectiveType: "APP_PROMOTION", optimizationGoal: "INSTALL", billingEvent: "OCPM",
                  promotionType: "APP_ANDROID", promotionLabel: "App", label: "App Installs", isApp: true,
                  isLead: false, isConversion: true),
        Objective(objectiveType: "REACH", optimizationGoal: "REACH", billingEvent: "CPM", promotionType: "WEBSITE",
                  promotionLabel: "Website", label: "Reach", isApp: false, isLead: false, isConversion: false),
        Objective(objectiveType: "VIDEO_VIEWS", optimizationGoal: "ENGAGED_VIEW", billingEvent: "CPV",
                  promotionType: "WEBSITE", promotionLabel: "Website", label: "Video Views", isApp: false,
                  isLead: false, isConversion: false),
        Objective(objectiveType: "LEAD_GENERATION", optimizationGoal: "LEAD_GENERATION", billingEvent: "OCPM",
                  promotionType: "LEAD_GENERATION", promotionLabel: "Lead Generation", label: "Lead Generation",
                  isApp: false, isLead: true, isConversion: true),
        Objective(objectiveType: "PRODUCT_SALES", optimizationGoal: "VALUE", billingEvent: "OCPM",
                  promotionType: "WEBSITE", promotionLabel: "Website", label: "Product Sales", isApp: false,
                  isLead: false, isConversion: true),
    ]

    static let callToActions = ["LEARN_MORE", "SHOP_NOW", "SIGN_UP", "DOWNLOAD", "CONTACT_US", "ORDER_NOW"]
    static let callToActionLabels = ["Learn more", "Shop now", "Sign up", "Download", "Contact us", "Order now"]
    static let adTexts = [
        "Move data anywhere", "Your new favourite routine", "Limited time offer", "See why creators love it",
        "Built for teams that ship", "Free shipping this week", "Try it free today", "Made to last",
    ]
    static let adjectives = ["Spring", "Summer", "Autumn", "Winter", "Evergreen", "Launch", "Retargeting", "Prospecting"]
    static let audienceTypes = [
        "Customer File Audience", "Engagement Audience", "App Activity Audience", "Website Audience",
        "Lookalike Audience", "Lead Generation",
    ]
    static let industries = ["290303", "291904", "290104", "291201", "290702"]
    static let placementsSelect = ["PLACEMENT_TIKTOK", "PLACEMENT_PANGLE", "PLACEMENT_GLOBAL_APP_BUNDLE"]
    static let ageGroups = ["AGE_13_17", "AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_100"]
    static let genders = ["MALE", "FEMALE", "NONE"]
    static let platforms = ["ANDROID", "IPHONE", "IPAD", "PC"]
}

/// The time line of one entity: creation, an optional pause interval, optional deletion, modifications.
struct Timeline: Sendable {
    var create: Int64
    var delete: Int64 = .max
    var pauseStart: Int64 = .max
    var pauseEnd: Int64 = .max
    var mod1: Int64 = .max
    var mod2: Int64 = .max

    @inline(__always)
    func active(at t: Int64) -> Bool {
        t >= create && t < delete && !(t >= pauseStart && t < pauseEnd)
    }

    func paused(at t: Int64) -> Bool { t >= pauseStart && t < pauseEnd }
    func deleted(at t: Int64) -> Bool { t >= delete }

    func modifyTime(at now: Int64) -> Int64 {
        var m = create
        for e in [mod1, mod2, pauseStart, pauseEnd, delete] where e <= now && e > m { m = e }
        return m
    }

    /// 0, 1 or 2: how many modifications have happened by `now`.
    func version(at now: Int64) -> Int {
        (mod1 <= now ? 1 : 0) + (mod2 <= now ? 1 : 0)
    }
}

/// Facts about one advertiser.
struct AdvertiserFacts: Sendable {
    let index: Int
    let id: UInt64
    let granted: Bool
    let region: WorldTables.Region
    let name: String
    let company: String
    let createTime: Int64
    let balanceCents: Int64
    let sizePerMille: Int64
    let industry: String
}

/// Facts about one campaign, ad group or ad (values that do not depend on "now").
struct EntityFacts: Sendable {
    let kind: EntityKind
    let advertiser: Int
    let index: Int
    let id: UInt64
    let timeline: Timeline
    let h: UInt64
}

/// Generates every fact of the simulated accounts on demand from the seed; holds nothing per entity.
struct WorldModel: Sendable {
    let seed: UInt64
    let codec: IDCodec
    /// UTC midnight of the anchor instant (options.now or the wall clock when the simulator was made).
    let base: Int64
    let grantedCount: Int
    let totalAdvertisers: Int
    let campaignsPerAdvertiser: Int
    let adGroupsPerCampaign: Int
    let adsPerAdGroup: Int
    let audiencesPerAdvertiser: Int
    let historyDays: Int

    init(options: SimulatorOptions, anchor: Date) {
        seed = options.seed
        codec = IDCodec(seed: options.seed)
        let a = Int64(anchor.timeIntervalSince1970.rounded(.down))
        base = CivilTime.floorDiv(a, CivilTime.secondsPerDay) * CivilTime.secondsPerDay
        grantedCount = max(0, min(options.advertisers, 999_999))
        totalAdvertisers = min(999_999, grantedCount + max(0, options.unauthorizedAdvertisers))
        campaignsPerAdvertiser = max(0, options.campaignsPerAdvertiser)
        adGroupsPerCampaign = max(0, options.adGroupsPerCampaign)
        adsPerAdGroup = max(0, options.adsPerAdGroup)
        audiencesPerAdvertiser = max(0, options.audiencesPerAdvertiser)
        historyDays = max(1, options.historyDays)
    }

    var adGroupsPerAdvertiser: Int { campaignsPerAdvertiser * adGroupsPerCampaign }
    var adsPerAdvertiser: Int { adGroupsPerAdvertiser * adsPerAdGroup }

    func count(_ kind: EntityKind) -> Int {
        switch kind {
        case .advertiser: return totalAdvertisers
        case .campaign: return campaignsPerAdvertiser
        case .adGroup: return adGroupsPerAdvertiser
        case .ad: return adsPerAdvertiser
        case .audience: return audiencesPerAdvertiser
        }
    }

    @inline(__always)
    func h(_ kind: EntityKind, _ adv: Int, _ index: Int, _ salt: UInt64 = 0) -> UInt64 {
        Hashing.hash(seed, kind.rawValue << 56 | UInt64(adv) << 28 | UInt64(index), salt)
    }

    // MARK: Advertisers

    func advertiser(_ i: Int) -> AdvertiserFacts {
        let hh = h(.advertiser, i, 0)
        let region = WorldTables.regions[i % WorldTables.regions.count]
        let city = region.timezone.split(separator: "/").last.map(String.init) ?? region.timezone
        // Data reaches back `historyDays` from the anchor day (the first campaign starts within 3 days).
        let create =
            base - Int64(historyDays) * CivilTime.secondsPerDay
            - Hashing.range(Hashing.mix(hh ^ 1), 0, CivilTime.secondsPerDay)
        return AdvertiserFacts(
            index: i,
            id: codec.encode(.advertiser, advertiser: i, entity: 0),
            granted: i < grantedCount,
            region: region,
            name: "Sim Advertiser \(i + 1) \(city.replacingOccurrences(of: "_", with: " "))",
            company: "Sim Company \(i + 1)",
            createTime: create,
            balanceCents: Hashing.range(Hashing.mix(hh ^ 2), 10_000, 5_000_000) * region.currencyPerMille / 1000,
            sizePerMille: Hashing.range(Hashing.mix(hh ^ 3), 400, 2500),
            industry: WorldTables.industries[Int(Hashing.mix(hh ^ 4) % UInt64(WorldTables.industries.count))]
        )
    }

    /// Advertiser index for an id string that names an existing advertiser, else nil.
    func advertiserIndex(_ text: some StringProtocol) -> Int? {
        guard let d = codec.decode(text), d.kind == .advertiser, d.entity == 0, d.advertiser < totalAdvertisers
        else { return nil }
        return d.advertiser
    }

    // MARK: Campaigns, ad groups, ads

    private func timeline(kind: EntityKind, adv: Int, index: Int, create: Int64) -> Timeline {
        var t = Timeline(create: create)
        let hh = h(kind, adv, index, 7)
        let day = CivilTime.secondsPerDay
        // About 11% of entities are deleted at some point; every 7th campaign (index 4, 11, ...) always is.
        if hh % 1000 < 110 || (kind == .campaign && index % 7 == 4) {
            let latest = max(create + day, base + 20 * day)
            t.delete = create + Hashing.range(Hashing.mix(hh ^ 1), day, latest - create)
        }
        if (hh >> 10) % 1000 < 180 {
            let latest = max(create + day, base + 10 * day)
            t.pauseStart = create + Hashing.range(Hashing.mix(hh ^ 2), day, latest - create)
            if (hh >> 20) % 2 == 0 {
                t.pauseEnd = t.pauseStart + Hashing.range(Hashing.mix(hh ^ 3), day, 30 * day)
            }
        }
        t.mod1 = create + Hashing.range(Hashing.mix(hh ^ 4), 3600, 90 * day)
        t.mod2 = t.mod1 + Hashing.range(Hashing.mix(hh ^ 5), day, 120 * day)
        return t
    }

    func campaign(_ adv: Int, _ index: Int) -> EntityFacts {
        let hh = h(.campaign, adv, index)
        let advCreate = advertiser(adv).createTime
        let create: Int64
        if index == 0 {
            create = advCreate + Hashing.range(Hashing.mix(hh ^ 1), 3600, 72 * 3600)
        } else if hh % 1000 < 80 {
            create = base + Hashing.range(Hashing.mix(hh ^ 1), 3600, 14 * CivilTime.secondsPerDay)
        } else {
            create = advCreate + Hashing.range(Hashing.mix(hh ^ 1), 3600, base - advCreate)
        }
        return EntityFacts(
            kind: .campaign, advertiser: adv, index: index, id: codec.encode(.campaign, advertiser: adv, entity: index),
            timeline: timeline(kind: .campaign, adv: adv, index: index, create: create), h: hh)
    }

    func adGroup(_ adv: Int, _ index: Int, campaign: EntityFacts? = nil) -> EntityFacts {
        let parent = campaign ?? self.campaign(adv, index / max(1, adGroupsPerCampaign))
        let hh = h(.adGroup, adv, index)
        let spread: Int64 = index % max(1, adGroupsPerCampaign) == 0 ? 3 * 86_400 : 30 * 86_400
        let create = parent.timeline.create + Hashing.range(Hashing.mix(hh ^ 1), 600, spread)
        return EntityFacts(
            kind: .adGroup, advertiser: adv, index: index, id: codec.encode(.adGroup, advertiser: adv, entity: index),
            timeline: timeline(kind: .adGroup, adv: adv, index: index, create: create), h: hh)
    }

    func ad(_ adv: Int, _ index: Int, adGroup: EntityFacts? = nil) -> EntityFacts {
        let parent = adGroup ?? self.adGroup(adv, index / max(1, adsPerAdGroup))
        let hh = h(.ad, adv, index)
        let spread: Int64 = index % max(1, adsPerAdGroup) == 0 ? 2 * 86_400 : 45 * 86_400
        let create = parent.timeline.create + Hashing.range(Hashing.mix(hh ^ 1), 60, spread)
        return EntityFacts(
            kind: .ad, advertiser: adv, index: index, id: codec.encode(.ad, advertiser: adv, entity: index),
            timeline: timeline(kind: .ad, adv: adv, index: index, create: create), h: hh)
    }

    func objective(campaignH: UInt64) -> WorldTables.Objective {
        WorldTables.objectives[Int(Hashing.mix(campaignH ^ 11) % UInt64(WorldTables.objectives.count))]
    }

    func campaignIndex(ofAdGroup g: Int) -> Int { g / max(1, adGroupsPerCampaign) }
    func adGroupIndex(ofAd a: Int) -> Int { a / max(1, adsPerAdGroup) }

    /// An ad group has a secondary optimisation goal (and so reports secondary-goal metrics).
    func hasSecondaryGoal(adGroupH: UInt64, objective: WorldTables.Objective) -> Bool {
        objective.isConversion && Hashing.mix(adGroupH ^ 12) % 3 == 0
    }

    // MARK: Audiences

    func audienceCreate(_ adv: Int, _ index: Int) -> Int64 {
        let advCreate = advertiser(adv).createTime
        let hh = h(.audience, adv, index)
        if index > 0 && hh % 1000 < 100 {
            return base + Hashing.range(Hashing.mix(hh ^ 1), 3600, 10 * CivilTime.secondsPerDay)
        }
        return advCreate + Hashing.range(Hashing.mix(hh ^ 1), 3600, base - advCreate)
    }
}
