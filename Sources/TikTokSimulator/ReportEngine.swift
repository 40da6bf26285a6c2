/// How a day cell is subdivided into the rows of a report.
enum SubSplit: Equatable {
    case none
    case hours
    case country
    case age
    case gender
    case ageGender
    case platform
    /// AUDIENCE `province_id`: the provinces of the advertiser's country (4 to 6, see
    /// `ReportEngine.outputCount`).
    case province
    /// BASIC `stat_time_hour` × `country_code`: bucket `h * 5 + c`.
    case hoursCountry

    /// Number of buckets the day is split into (before marginalising age or gender); for `province`
    /// the maximum (the advertiser's count is `ReportEngine.outputCount`).
    var splitCount: Int {
        switch self {
        case .none: return 1
        case .hours: return 24
        case .country: return 5
        case .age, .gender, .ageGender: return 18
        case .platform: return 4
        case .province: return ReportEngine.maxProvinces
        case .hoursCountry: return 24 * 5
        }
    }

    /// Number of output buckets.
    var outputCount: Int {
        switch self {
        case .age: return 6
        case .gender: return 3
        default: return splitCount
        }
    }

    /// Output bucket of a split bucket.
    @inline(__always)
    func output(_ k: Int) -> Int {
        switch self {
        case .age: return k / 3
        case .gender: return k % 3
        default: return k
        }
    }
}

/// Generates report cells on demand for one advertiser and one request.
///
/// The ad-day is the primary cell: its full-day values come from a hash of (seed, ad, day); hours are
/// a capped largest-remainder split of the day into 24 buckets; audience breakdowns a capped split of
/// the observed day total (hour × country: of each observed hour). Higher levels sum their ads.
/// Nothing is kept beyond one request.
final class ReportEngine {
    static let q = Quantity.count
    static let diurnal: [Int64] = [20, 12, 8, 6, 6, 10, 20, 35, 50, 60, 65, 70, 75, 75, 72, 70, 72, 80, 95, 110, 120, 115, 90, 50]
    static let weekday: [Int64] = [100, 104, 106, 103, 98, 88, 92]
    static let countryBase: [Int64] = [60, 15, 10, 8, 7]
    static let ageBase: [Int64] = [4, 28, 32, 18, 11, 7]
    static let genderBase: [Int64] = [48, 47, 5]
    static let platformBase: [Int64] = [52, 38, 6, 4]
    static let maxProvinces = 6

    static let parentOf: [Int] = Quantity.allCases.map { $0.spec.parent?.rawValue ?? -1 }
    static let cappedQ: [Bool] = Quantity.allCases.map { $0.spec.capped }
    static let restatedQ: [Bool] = Quantity.allCases.map { $0.spec.restated }

    let seed: UInt64
    let restatementDays: Int64
    /// Quantities computed by the cell functions; setting it refreshes the per-ad rate table.
    var needed: QuantitySet {
        didSet { fillRates() }
    }
    /// Per-ad rate of each needed quantity (millionths of the parent), `rates[s * Q + q]`.
    private var rates: [Int64] = []
    let currencyPerMille: Int64
    /// Local day and hour of the observation instant, and the instant itself (UTC seconds).
    let today: Int64
    let currentHour: Int
    let now: Int64
    let zone: ZoneOffsets
    /// Province ids of the advertiser's country and their per-advertiser weights.
    let provinceIDs: [String]
    let provinceWeights: [Int64]

    // Per ad slot (all ads of the advertiser, in hierarchical order).
    var adKey: [UInt64] = []
    var adStart: [Int64] = []
    var adEnd: [Int64] = []
    var adPauses: [Int64] = []  // 6 per ad: (start, end) × (ad, ad group, campaign)
    var adBase: [Int64] = []
    var adObjective: [Int] = []
    var adSecondary: [Bool] = []

    // Scratch buffers.
    private var fullDay: [Int64]
    private var finalValues: [Int64]
    private var hourBuf: [Int64]
    private var splitBuf: [Int64]
    private var weightBuf: [Int64] = Array(repeating: 0, count: 24)
    private var remBuf: [Int64] = Array(repeating: 0, count: 24)
    private var usedBuf: [Bool] = Array(repeating: false, count: 24)
    private var activityFirstDay: Int64 = 0
    private var activityTimes: [Int64] = []

    init(model: WorldModel, advertiser adv: Int, needed: QuantitySet, restatementDays: Int, now: Int64) {
        seed = model.seed
        self.needed = needed
        self.restatementDays = Int64(max(0, restatementDays))
        let facts = model.advertiser(adv)
        currencyPerMille = facts.region.currencyPerMille
        zone = ZoneOffsets(identifier: facts.region.timezone)
        let provinces = WorldTables.provinces[facts.region.country] ?? WorldTables.provinces["US"] ?? []
        provinceIDs = provinces.map(\.id)
        let seed = model.seed
        provinceWeights = provinces.enumerated().map { i, p in
            p.weight * (700 + Int64(Hashing.hash(seed, 0x960_0000 | UInt64(i), UInt64(adv)) % 601))
        }
        self.now = now
        let local = zone.local(now)
        today = local.day
        currentHour = Int(local.hour)
        let q = ReportEngine.q
        fullDay = Array(repeating: 0, count: q)
        finalValues = Array(repeating: 0, count: q)
        hourBuf = Array(repeating: 0, count: 24 * q)
        splitBuf = Array(repeating: 0, count: 24 * q)

        let n = model.adsPerAdvertiser
        adKey.reserveCapacity(n)
        let campaigns = (0..<model.campaignsPerAdvertiser).map { model.campaign(adv, $0) }
        for c in campaigns {
            let objective = Int(Hashing.mix(c.h ^ 11) % UInt64(WorldTables.objectives.count))
            for gi in 0..<model.adGroupsPerCampaign {
                let g = model.adGroup(adv, c.index * model.adGroupsPerCampaign + gi, campaign: c)
                let secondary = model.hasSecondaryGoal(adGroupH: g.h, objective: WorldTables.objectives[objective])
                for ai in 0..<model.adsPerAdGroup {
                    let a = model.ad(adv, g.index * model.adsPerAdGroup + ai, adGroup: g)
                    adKey.append(UInt64(adv) << 32 | UInt64(a.index))
                    adStart.append(max(a.timeline.create, g.timeline.create, c.timeline.create))
                    adEnd.append(min(a.timeline.delete, g.timeline.delete, c.timeline.delete))
                    for t in [a.timeline, g.timeline, c.timeline] {
                        adPauses.append(t.pauseStart)
                        adPauses.append(t.pauseEnd)
                    }
                    let hb = Hashing.hash(seed, 0xBA5E, adKey[adKey.count - 1])
                    let base = Hashing.range(hb, 300, 3000) * Int64(1 + (hb >> 32) % 10)
                    adBase.append(max(1, base * facts.sizePerMille / 1000))
                    adObjective.append(objective)
                    adSecondary.append(secondary)
                }
            }
        }
        fillRates()
    }

    private func fillRates() {
        let q = ReportEngine.q
        if rates.count != adKey.count * q { rates = Array(repeating: 0, count: adKey.count * q) }
        for s in 0..<adKey.count {
            let objective = WorldTables.objectives[adObjective[s]]
            for qi in needed.ordered {
                let (lo, hi) = Quantity(rawValue: qi).unsafelyUnwrapped.rateRange(
                    objective, secondary: adSecondary[s], currencyPerMille: currencyPerMille)
                rates[s * q + qi] = hi == 0 ? 0 : Hashing.range(Hashing.hash(seed, adKey[s], UInt64(qi)), lo, hi)
            }
        }
    }

    /// Precomputes the activity instants of a range of local days.
    func prepare(days: ClosedRange<Int64>) {
        activityFirstDay = days.lowerBound
        activityTimes = days.map { day in
            let noon = day * CivilTime.secondsPerDay + 43_200 - zone.offset(localDay: day)
            return min(noon, now)
        }
    }

    var adCount: Int { adKey.count }

    /// Number of output buckets (rows per entity and time group) of a split for this advertiser.
    func outputCount(_ kind: SubSplit) -> Int {
        kind == .province ? provinceIDs.count : kind.outputCount
    }

    /// The instant whose entity states decide delivery on a local day: local noon, or now for today.
    @inline(__always)
    func activityTime(_ day: Int64) -> Int64 {
        let i = Int(day - activityFirstDay)
        if i >= 0 && i < activityTimes.count { return activityTimes[i] }
        let noon = day * CivilTime.secondsPerDay + 43_200 - zone.offset(localDay: day)
        return min(noon, now)
    }

    @inline(__always)
    func active(_ s: Int, at t: Int64) -> Bool {
        if t < adStart[s] || t >= adEnd[s] { return false }
        let p = s * 6
        if t >= adPauses[p] && t < adPauses[p + 1] { return false }
        if t >= adPauses[p + 2] && t < adPauses[p + 3] { return false }
        if t >= adPauses[p + 4] && t < adPauses[p + 5] { return false }
        return true
    }

    /// Restated share, per mille, of a day `age` days old.
    @inline(__always)
    func restatedShare(age: Int64) -> Int64 {
        if age >= restatementDays || restatementDays == 0 { return 1000 }
        return 400 + 600 * max(0, age) / restatementDays
    }

    @inline(__always)
    func derive(_ qi: Int, parentValue: Int64, slot s: Int, dayHash hd: UInt64) -> Int64 {
        if parentValue <= 0 { return 0 }
        let rate = rates[s * ReportEngine.q + qi]
        if rate == 0 { return 0 }
        let noise = 850 + Int64(Hashing.mix(hd ^ UInt64(qi &* 7919)) % 301)
        var v = parentValue * rate / 1_000_000 * noise / 1000
        if ReportEngine.cappedQ[qi] && v > parentValue { v = parentValue }
        return v
    }

    @inline(__always)
    func dayHash(_ s: Int, _ day: Int64) -> UInt64 {
        Hashing.hash(seed, adKey[s], UInt64(bitPattern: day))
    }

    /// Whether the ad delivers on the day at all (entity states and a random dark day).
    @inline(__always)
    func delivers(_ s: Int, day: Int64, dayHash hd: UInt64) -> Bool {
        if day > today { return false }
        if !active(s, at: activityTime(day)) { return false }
        return hd % 1000 >= 70
    }

    @inline(__always)
    func fullImpressions(_ s: Int, day: Int64, dayHash hd: UInt64) -> Int64 {
        let noise = 600 + Int64((hd >> 10) % 800)
        let wd = ReportEngine.weekday[CivilTime.weekday(days: day)]
        return max(1, adBase[s] * noise / 1000 * wd / 100)
    }

    /// Number of visible hours of a day at the observation instant.
    @inline(__always)
    func visibleHours(_ day: Int64) -> Int {
        day < today ? 24 : day == today ? currentHour + 1 : 0
    }

    // MARK: Cells

    /// Observed values of one ad-day into `out[0..<Q]`; returns false (and zeros) when nothing delivered.
    @discardableResult
    func dayCell(_ s: Int, day: Int64, into out: inout [Int64]) -> Bool {
        let q = ReportEngine.q
        let hd = dayHash(s, day)
        guard delivers(s, day: day, dayHash: hd) else {
            for i in 0..<q { out[i] = 0 }
            return false
        }
        let visible = visibleHours(day)
        if visible < 24 {
            splitHours(s, day: day, dayHash: hd, visible: visible)
            for qi in needed.ordered where !Quantity(rawValue: qi).unsafelyUnwrapped.spec.restated {
                var sum: Int64 = 0
                for h in 0..<visible { sum += hourBuf[h * q + qi] }
                out[qi] = sum
            }
        } else {
            for qi in needed.ordered {
                if ReportEngine.restatedQ[qi] { continue }
                let p = ReportEngine.parentOf[qi]
                if p >= 0 {
                    out[qi] = derive(qi, parentValue: out[p], slot: s, dayHash: hd)
                } else {
                    out[qi] = fullImpressions(s, day: day, dayHash: hd)
                }
            }
        }
        restate(s, day: day, dayHash: hd, values: &out)
        return out[0] > 0
    }

    /// Fills the restated quantities of `values` from its non-restated ones.
    @inline(__always)
    private func restate(_ s: Int, day: Int64, dayHash hd: UInt64, values out: inout [Int64]) {
        let share = restatedShare(age: today - day)
        for qi in needed.ordered where ReportEngine.restatedQ[qi] {
            let p = ReportEngine.parentOf[qi]
            let parentRestated = ReportEngine.restatedQ[p]
            let parentFinal = parentRestated ? finalValues[p] : out[p]
            let final = derive(qi, parentValue: parentFinal, slot: s, dayHash: hd)
            finalValues[qi] = final
            if parentRestated {
                out[qi] = parentFinal == 0 ? 0 : final * out[p] / parentFinal
            } else {
                out[qi] = final * share / 1000
            }
        }
    }

    /// Non-restated quantities of an ad-day split into 24 hours in `hourBuf` (hours >= visible zeroed).
    private func splitHours(_ s: Int, day: Int64, dayHash hd: UInt64, visible: Int) {
        let q = ReportEngine.q
        // Full-day values.
        for qi in needed.ordered {
            let spec = Quantity(rawValue: qi).unsafelyUnwrapped.spec
            if spec.restated { continue }
            if let p = spec.parent {
                fullDay[qi] = derive(qi, parentValue: fullDay[p.rawValue], slot: s, dayHash: hd)
            } else {
                fullDay[qi] = fullImpressions(s, day: day, dayHash: hd)
            }
        }
        for h in 0..<24 {
            weightBuf[h] = ReportEngine.diurnal[h] * (900 + Int64(Hashing.mix(hd ^ UInt64(200 + h)) % 201))
        }
        for qi in needed.ordered {
            let spec = Quantity(rawValue: qi).unsafelyUnwrapped.spec
            if spec.restated { continue }
            split(total: fullDay[qi], k: 24, target: qi, parent: spec.parent?.rawValue, capped: spec.capped, buffer: &hourBuf)
        }
        if visible < 24 {
            for h in visible..<24 {
                for qi in needed.ordered { hourBuf[h * q + qi] = 0 }
            }
        }
    }

    /// Observed values of one ad-day split into 24 hours, added into `acc[h * Q + q]`.
    /// Returns false when nothing delivered.
    @discardableResult
    func addHourCells(_ s: Int, day: Int64, into acc: inout [Int64], scratch: inout [Int64]) -> Bool {
        let q = ReportEngine.q
        guard let visible = hourCells(s, day: day, scratch: &scratch) else { return false }
        for h in 0..<visible {
            for qi in needed.ordered { acc[h * q + qi] += hourBuf[h * q + qi] }
        }
        return true
    }

    /// Observed values of one ad-day split into 24 hours and each hour into the 5 countries of the
    /// BASIC `country_code` breakdown, added into `acc[(h * 5 + c) * Q + q]`. Returns false when
    /// nothing delivered.
    ///
    /// Each hour cell is exactly that of `addHourCells`, split with the capped largest-remainder split
    /// and the country weights of the daily country split of the same ad-day. So, exactly: an hour's
    /// country cells sum to the hour's cell (hour × country rows add up to the hourly rows), all of a
    /// day's hour × country cells sum to the day cell, and clicks ≤ impressions, conversions ≤ clicks
    /// hold in every cell. Not exactly: a country's cells summed over the day's hours only approximate
    /// the day × country cell (each hour is rounded on its own; the difference per ad-day and country
    /// is below the number of hours with delivery).
    @discardableResult
    func addHourCountryCells(_ s: Int, day: Int64, into acc: inout [Int64], scratch: inout [Int64]) -> Bool {
        let q = ReportEngine.q
        let k = SubSplit.country.splitCount
        guard let visible = hourCells(s, day: day, scratch: &scratch) else { return false }
        fillCategoryWeights(.country, s, day: day)
        for h in 0..<visible {
            for qi in needed.ordered {
                let spec = Quantity(rawValue: qi).unsafelyUnwrapped.spec
                split(total: hourBuf[h * q + qi], k: k, target: qi, parent: spec.parent?.rawValue, capped: spec.capped, buffer: &splitBuf)
            }
            let base = h * k
            for c in 0..<k {
                for qi in needed.ordered { acc[(base + c) * q + qi] += splitBuf[c * q + qi] }
            }
        }
        return true
    }

    /// All needed quantities of one ad-day split into hours in `hourBuf`; returns the number of
    /// visible hours, or nil when nothing delivered.
    private func hourCells(_ s: Int, day: Int64, scratch: inout [Int64]) -> Int? {
        let q = ReportEngine.q
        let hd = dayHash(s, day)
        guard delivers(s, day: day, dayHash: hd) else { return nil }
        let visible = visibleHours(day)
        splitHours(s, day: day, dayHash: hd, visible: visible)
        // Day totals (visible) for the restated quantities.
        for qi in needed.ordered where !Quantity(rawValue: qi).unsafelyUnwrapped.spec.restated {
            var sum: Int64 = 0
            for h in 0..<visible { sum += hourBuf[h * q + qi] }
            scratch[qi] = sum
        }
        restate(s, day: day, dayHash: hd, values: &scratch)
        for qi in needed.ordered {
            let spec = Quantity(rawValue: qi).unsafelyUnwrapped.spec
            guard spec.restated else { continue }
            split(total: scratch[qi], k: visible, target: qi, parent: spec.parent?.rawValue, capped: spec.capped, buffer: &hourBuf)
        }
        return visible
    }

    /// Root weights of an audience split of an ad-day into `weightBuf`: base weights times a
    /// per-(ad, day, bucket) noise of 0.8–1.2.
    private func fillCategoryWeights(_ kind: SubSplit, _ s: Int, day: Int64) {
        let hd = dayHash(s, day) ^ 0xCA7E
        switch kind {
        case .country, .hoursCountry:
            for i in 0..<SubSplit.country.splitCount {
                weightBuf[i] = ReportEngine.countryBase[i] * (800 + Int64(Hashing.mix(hd ^ UInt64(i)) % 401))
            }
        case .platform:
            for i in 0..<kind.splitCount {
                weightBuf[i] = ReportEngine.platformBase[i] * (800 + Int64(Hashing.mix(hd ^ UInt64(i)) % 401))
            }
        case .province:
            for i in 0..<provinceWeights.count {
                weightBuf[i] = provinceWeights[i] * (800 + Int64(Hashing.mix(hd ^ UInt64(i)) % 401))
            }
        default:
            for i in 0..<kind.splitCount {
                weightBuf[i] = ReportEngine.ageBase[i / 3] * ReportEngine.genderBase[i % 3]
                    * (800 + Int64(Hashing.mix(hd ^ UInt64(i)) % 401))
            }
        }
    }

    /// Splits an observed day cell across audience categories, added into `acc[k * Q + q]`.
    func addCategoryCells(_ s: Int, day: Int64, split kind: SubSplit, cell: [Int64], into acc: inout [Int64]) {
        let q = ReportEngine.q
        let k = kind == .province ? provinceIDs.count : kind.splitCount
        fillCategoryWeights(kind, s, day: day)
        for qi in needed.ordered {
            let spec = Quantity(rawValue: qi).unsafelyUnwrapped.spec
            split(total: cell[qi], k: k, target: qi, parent: spec.parent?.rawValue, capped: spec.capped, buffer: &splitBuf)
        }
        for i in 0..<k {
            let o = kind.output(i)
            for qi in needed.ordered { acc[o * q + qi] += splitBuf[i * q + qi] }
        }
    }

    /// Capped largest-remainder split of `total` into `k` buckets of `buffer[b * Q + target]`.
    /// Weights are the parent's buckets in the same buffer (or `weightBuf` for the root); when
    /// `capped`, no bucket exceeds the parent's bucket.
    private func split(total: Int64, k: Int, target: Int, parent: Int?, capped: Bool, buffer: inout [Int64]) {
        let q = ReportEngine.q
        if k == 0 { return }
        var sumW: Int64 = 0
        for b in 0..<k {
            let w = parent.map { buffer[b * q + $0] } ?? weightBuf[b]
            remBuf[b] = w
            sumW += w
        }
        if total <= 0 || sumW <= 0 {
            for b in 0..<k { buffer[b * q + target] = 0 }
            return
        }
        var assigned: Int64 = 0
        for b in 0..<k {
            let w = remBuf[b]
            let product = total.multipliedFullWidth(by: w)
            let (quotient, remainder) = sumW.dividingFullWidth(product)
            buffer[b * q + target] = quotient
            remBuf[b] = remainder
            assigned += quotient
            usedBuf[b] = false
        }
        var leftover = total - assigned
        while leftover > 0 {
            var best = -1
            for b in 0..<k where !usedBuf[b] && (best < 0 || remBuf[b] > remBuf[best]) { best = b }
            if best < 0 { break }
            usedBuf[best] = true
            buffer[best * q + target] += 1
            leftover -= 1
        }
        if capped, let p = parent {
            var excess: Int64 = 0
            for b in 0..<k {
                let cap = buffer[b * q + p]
                if buffer[b * q + target] > cap {
                    excess += buffer[b * q + target] - cap
                    buffer[b * q + target] = cap
                }
            }
            var b = 0
            while excess > 0 && b < k {
                let room = buffer[b * q + p] - buffer[b * q + target]
                if room > 0 {
                    let add = min(room, excess)
                    buffer[b * q + target] += add
                    excess -= add
                }
                b += 1
            }
        }
    }
}
