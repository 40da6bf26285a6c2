/// An additive base quantity of the report model; every metric is one of these or a ratio of them.
///
/// Quantities form a tree by `parent`: a child is derived from its parent (rate × daily noise),
/// split across hours or audience categories with the parent's buckets as weights and, when
/// `capped`, never exceeds the parent in any bucket (clicks ≤ impressions, conversion ≤ clicks).
/// Restated quantities (conversion-type) grow until the day is `restatement_days` old.
enum Quantity: Int, CaseIterable {
    case impressions, grossImpressions, clicks, spend, reach
    case conversion, realTimeConversion, result, realTimeResult, secondaryGoalResult
    case videoPlayActions, videoWatched2s, videoWatched6s, videoP25, videoP50, videoP75, videoP100, videoPlayTimeMs
    case likes, comments, shares, follows, profileVisits, clicksOnMusicDisc
    case appInstall, realTimeAppInstall, registration, purchase, completePayment, salesLead, addToCart, pageview
    case onsiteShopping, ctaConversion, vtaConversion, ctaPurchase, vtaPurchase, purchaseValue, onsiteShoppingValue
    case voucherSpend, engagedView, engagedView15s, landingPageView

    static let count = Quantity.allCases.count

    struct Spec {
        let parent: Quantity?
        let capped: Bool
        let restated: Bool
    }

    var spec: Spec {
        switch self {
        case .impressions: return Spec(parent: nil, capped: false, restated: false)
        case .grossImpressions: return Spec(parent: .impressions, capped: false, restated: false)
        case .clicks, .reach, .videoPlayActions, .likes, .follows, .profileVisits, .clicksOnMusicDisc:
            return Spec(parent: .impressions, capped: true, restated: false)
        case .spend: return Spec(parent: .impressions, capped: false, restated: false)
        case .conversion, .result, .appInstall, .registration, .salesLead, .addToCart:
            return Spec(parent: .clicks, capped: true, restated: true)
        case .realTimeConversion, .secondaryGoalResult, .purchase, .ctaConversion, .vtaConversion:
            return Spec(parent: .conversion, capped: true, restated: true)
        case .realTimeResult: return Spec(parent: .result, capped: true, restated: true)
        case .videoWatched2s, .videoP25, .engagedView: return Spec(parent: .videoPlayActions, capped: true, restated: false)
        case .videoWatched6s: return Spec(parent: .videoWatched2s, capped: true, restated: false)
        case .videoP50: return Spec(parent: .videoP25, capped: true, restated: false)
        case .videoP75: return Spec(parent: .videoP50, capped: true, restated: false)
        case .videoP100: return Spec(parent: .videoP75, capped: true, restated: false)
        case .videoPlayTimeMs: return Spec(parent: .videoPlayActions, capped: false, restated: false)
        case .comments, .shares: return Spec(parent: .likes, capped: true, restated: false)
        case .realTimeAppInstall, .pageview, .landingPageView: return Spec(parent: .clicks, capped: true, restated: false)
        case .completePayment, .onsiteShopping, .ctaPurchase, .vtaPurchase:
            return Spec(parent: .purchase, capped: true, restated: true)
        case .purchaseValue: return Spec(parent: .purchase, capped: false, restated: true)
        case .onsiteShoppingValue: return Spec(parent: .onsiteShopping, capped: false, restated: true)
        case .voucherSpend: return Spec(parent: .spend, capped: true, restated: false)
        case .engagedView15s: return Spec(parent: .engagedView, capped: true, restated: false)
        }
    }

    /// Per-ad rate range, in millionths of the parent value, given the ad's objective.
    func rateRange(_ o: WorldTables.Objective, secondary: Bool, currencyPerMille: Int64) -> (Int64, Int64) {
        switch self {
        case .impressions: return (0, 0)
        case .grossImpressions: return (1_000_000, 1_060_000)
        case .clicks: return (3_000, 30_000)
        case .spend:
            // cpm of 1.50 to 12.00 USD, in hundredths of the account currency per impression, times 10^6 / 1000
            return (150 * currencyPerMille, 1200 * currencyPerMille)
        case .reach: return (700_000, 900_000)
        case .conversion: return o.isConversion ? (20_000, 150_000) : (0, 20_000)
        case .realTimeConversion: return (800_000, 1_000_000)
        case .result: return o.isConversion ? (30_000, 160_000) : (850_000, 1_000_000)
        case .realTimeResult: return (850_000, 1_000_000)
        case .secondaryGoalResult: return secondary ? (200_000, 500_000) : (0, 0)
        case .videoPlayActions: return (250_000, 600_000)
        case .videoWatched2s: return (500_000, 800_000)
        case .videoWatched6s: return (350_000, 700_000)
        case .videoP25: return (450_000, 700_000)
        case .videoP50: return (500_000, 750_000)
        case .videoP75: return (550_000, 800_000)
        case .videoP100: return (500_000, 800_000)
        case .videoPlayTimeMs: return (2_000_000_000, 9_000_000_000)
        case .likes: return (2_000, 15_000)
        case .comments: return (20_000, 80_000)
        case .shares: return (50_000, 150_000)
        case .follows: return (200, 1_000)
        case .profileVisits: return (1_000, 5_000)
        case .clicksOnMusicDisc: return (50, 400)
        case .appInstall: return o.isApp ? (50_000, 200_000) : (0, 0)
        case .realTimeAppInstall: return o.isApp ? (40_000, 180_000) : (0, 0)
        case .registration: return o.isApp || o.isLead ? (10_000, 50_000) : (0, 5_000)
        case .purchase: return o.isConversion && !o.isLead ? (300_000, 700_000) : (0, 0)
        case .completePayment: return (800_000, 1_000_000)
        case .salesLead: return o.isLead ? (50_000, 200_000) : (0, 0)
        case .addToCart: return o.isConversion && !o.isLead ? (20_000, 80_000) : (0, 0)
        case .pageview: return (600_000, 950_000)
        case .onsiteShopping: return (0, 200_000)
        case .ctaConversion, .ctaPurchase: return (600_000, 850_000)
        case .vtaConversion, .vtaPurchase: return (100_000, 300_000)
        case .purchaseValue, .onsiteShoppingValue:
            return (2_000 * currencyPerMille * 1000, 15_000 * currencyPerMille * 1000)
        case .voucherSpend: return (0, 50_000)
        case .engagedView: return (200_000, 500_000)
        case .engagedView15s: return (300_000, 600_000)
        case .landingPageView: return (500_000, 900_000)
        }
    }
}

/// A set of quantities, closed under `parent`, listed in dependency order.
struct QuantitySet: Sendable {
    private(set) var mask: [Bool] = Array(repeating: false, count: Quantity.count)
    private(set) var ordered: [Int] = []

    init(_ quantities: [Quantity]) {
        for q in quantities { insert(q) }
        ordered = (0..<Quantity.count).filter { mask[$0] }
    }

    private mutating func insert(_ q: Quantity) {
        if mask[q.rawValue] { return }
        mask[q.rawValue] = true
        if let p = q.spec.parent { insert(p) }
    }

    func contains(_ q: Quantity) -> Bool { mask[q.rawValue] }
}
