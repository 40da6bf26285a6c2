import Foundation

/// Deterministic facts about the simulated accounts, for tests and demos.
public struct SimulatedWorld: Sendable {
    /// One simulated ad account.
    public struct Advertiser: Sendable, Equatable {
        public var id: String
        public var name: String
        public var timezone: String
        public var currency: String
        public var country: String
        /// Whether the simulator's access token may operate it (false = 40001).
        public var isGranted: Bool
        public var createTime: Date
    }

    /// One simulated campaign, ad group or ad as of the simulator's current "now".
    public struct Entity: Sendable, Equatable {
        /// The kind of a simulated entity.
        public enum Kind: String, Sendable {
            case campaign, adGroup, ad
        }

        public var kind: Kind
        public var id: String
        public var advertiserID: String
        public var campaignID: String
        public var adGroupID: String?
        public var createTime: Date
        /// When it is (or will be) deleted, itself or through a parent.
        public var deleteTime: Date?
        /// Exists at the current simulated now (created at or before now).
        public var exists: Bool
        /// Deleted (itself or a parent) at the current simulated now.
        public var isDeleted: Bool
        public var secondaryStatus: String
        public var modifyTime: Date
    }

    let core: SimulatorCore

    init(core: SimulatorCore) {
        self.core = core
    }

    var model: WorldModel { core.model }

    public var seed: UInt64 { model.seed }

    /// Granted advertisers first, then the unauthorized ones.
    public var advertisers: [Advertiser] {
        (0..<model.totalAdvertisers).map(advertiser(index:))
    }

    public var grantedAdvertiserIDs: [String] {
        (0..<model.grantedCount).map { String(model.codec.encode(.advertiser, advertiser: $0, entity: 0)) }
    }

    public var unauthorizedAdvertiserIDs: [String] {
        (model.grantedCount..<model.totalAdvertisers).map {
            String(model.codec.encode(.advertiser, advertiser: $0, entity: 0))
        }
    }

    func advertiser(index i: Int) -> Advertiser {
        let a = model.advertiser(i)
        return Advertiser(
            id: String(a.id), name: a.name, timezone: a.region.timezone, currency: a.region.currency,
            country: a.region.country, isGranted: a.granted, createTime: Date(timeIntervalSince1970: TimeInterval(a.createTime)))
    }

    public func advertiser(id: String) -> Advertiser? {
        model.advertiserIndex(id).map(advertiser(index:))
    }

    /// All campaign ids of an advertiser, including deleted and not-yet-created ones, in index order.
    public func campaignIDs(advertiserID: String) -> [String] {
        guard let i = model.advertiserIndex(advertiserID) else { return [] }
        return (0..<model.campaignsPerAdvertiser).map { String(model.codec.encode(.campaign, advertiser: i, entity: $0)) }
    }

    /// All ad group ids of an advertiser, in index order.
    public func adGroupIDs(advertiserID: String) -> [String] {
        guard let i = model.advertiserIndex(advertiserID) else { return [] }
        return (0..<model.adGroupsPerAdvertiser).map { String(model.codec.encode(.adGroup, advertiser: i, entity: $0)) }
    }

    /// All ad ids of an advertiser, in index order.
    public func adIDs(advertiserID: String) -> [String] {
        guard let i = model.advertiserIndex(advertiserID) else { return [] }
        return (0..<model.adsPerAdvertiser).map { String(model.codec.encode(.ad, advertiser: i, entity: $0)) }
    }

    /// All custom audience ids of an advertiser, in index order.
    public func audienceIDs(advertiserID: String) -> [String] {
        guard let i = model.advertiserIndex(advertiserID) else { return [] }
        return (0..<model.audiencesPerAdvertiser).map { String(model.codec.encode(.audience, advertiser: i, entity: $0)) }
    }

    /// Entities of one kind for an advertiser, with their state at the current simulated now.
    public func entities(_ kind: Entity.Kind, advertiserID: String) -> [Entity] {
        let ids: [String]
        switch kind {
        case .campaign: ids = campaignIDs(advertiserID: advertiserID)
        case .adGroup: ids = adGroupIDs(advertiserID: advertiserID)
        case .ad: ids = adIDs(advertiserID: advertiserID)
        }
        return ids.compactMap { entity(id: $0) }
    }

    /// Decodes any simulated campaign, ad group or ad id (no lookup table).
    public func entity(id: String) -> Entity? {
        guard let d = model.codec.decode(id), d.advertiser < model.totalAdvertisers, d.entity < model.count(d.kind)
        else { return nil }
        let now = core.now()
        let adv = String(model.codec.encode(.advertiser, advertiser: d.advertiser, entity: 0))
        func date(_ t: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(t)) }
        switch d.kind {
        case .campaign:
            let c = model.campaign(d.advertiser, d.entity)
            let s = EntityState.campaign(c.timeline, now: now)
            return Entity(
                kind: .campaign, id: id, advertiserID: adv, campaignID: id, adGroupID: nil, createTime: date(c.timeline.create),
                deleteTime: c.timeline.delete == .max ? nil : date(c.timeline.delete), exists: s.exists, isDeleted: s.deleted,
                secondaryStatus: s.secondaryStatus, modifyTime: date(s.modifyTime))
        case .adGroup:
            let c = model.campaign(d.advertiser, model.campaignIndex(ofAdGroup: d.entity))
            let g = model.adGroup(d.advertiser, d.entity, campaign: c)
            let s = EntityState.adGroup(g.timeline, campaign: c.timeline, now: now)
            let del = min(g.timeline.delete, c.timeline.delete)
            return Entity(
                kind: .adGroup, id: id, advertiserID: adv, campaignID: String(c.id), adGroupID: id, createTime: date(g.timeline.create),
                deleteTime: del == .max ? nil : date(del), exists: s.exists, isDeleted: s.deleted,
                secondaryStatus: s.secondaryStatus, modifyTime: date(s.modifyTime))
        case .ad:
            let gi = model.adGroupIndex(ofAd: d.entity)
            let c = model.campaign(d.advertiser, model.campaignIndex(ofAdGroup: gi))
            let g = model.adGroup(d.advertiser, gi, campaign: c)
            let a = model.ad(d.advertiser, d.entity, adGroup: g)
            let s = EntityState.ad(a.timeline, adGroup: g.timeline, campaign: c.timeline, now: now)
            let del = min(a.timeline.delete, g.timeline.delete, c.timeline.delete)
            return Entity(
                kind: .ad, id: id, advertiserID: adv, campaignID: String(c.id), adGroupID: String(g.id),
                createTime: date(a.timeline.create), deleteTime: del == .max ? nil : date(del), exists: s.exists,
                isDeleted: s.deleted, secondaryStatus: s.secondaryStatus, modifyTime: date(s.modifyTime))
        default:
            return nil
        }
    }

    /// Every metric name the report endpoint accepts.
    public static var metricNames: [String] { MetricCatalog.all.map(\.name) }
}
