/// The state of a campaign, ad group or ad at a given "now" (status, modification, deletion).
struct EntityState: Sendable {
    var exists: Bool
    /// Deleted itself or through a deleted parent.
    var deleted: Bool
    var enabled: Bool
    /// The entity and its parents are enabled and not deleted.
    var deliveryOK: Bool
    var secondaryStatus: String
    var modifyTime: Int64
    var version: Int

    static func campaign(_ c: Timeline, now: Int64) -> EntityState {
        let deleted = c.deleted(at: now)
        let paused = c.paused(at: now)
        let secondary = deleted ? "CAMPAIGN_STATUS_DELETE" : paused ? "CAMPAIGN_STATUS_DISABLE" : "CAMPAIGN_STATUS_ENABLE"
        return EntityState(
            exists: c.create <= now, deleted: deleted, enabled: !paused && !deleted, deliveryOK: !paused && !deleted,
            secondaryStatus: secondary, modifyTime: c.modifyTime(at: now), version: c.version(at: now))
    }

    static func adGroup(_ g: Timeline, campaign c: Timeline, now: Int64) -> EntityState {
        let own = g.deleted(at: now)
        let parent = c.deleted(at: now)
        let paused = g.paused(at: now)
        let parentPaused = c.paused(at: now)
        let secondary: String
        if own {
            secondary = "ADGROUP_STATUS_DELETE"
        } else if parent {
            secondary = "ADGROUP_STATUS_CAMPAIGN_DELETE"
        } else if paused {
            secondary = "ADGROUP_STATUS_DISABLE"
        } else if parentPaused {
            secondary = "ADGROUP_STATUS_CAMPAIGN_DISABLE"
        } else {
            secondary = "ADGROUP_STATUS_DELIVERY_OK"
        }
        let deleted = own || parent
        return EntityState(
            exists: g.create <= now, deleted: deleted, enabled: !paused && !deleted,
            deliveryOK: !deleted && !paused && !parentPaused, secondaryStatus: secondary,
            modifyTime: g.modifyTime(at: now), version: g.version(at: now))
    }

    static func ad(_ a: Timeline, adGroup g: Timeline, campaign c: Timeline, now: Int64) -> EntityState {
        let own = a.deleted(at: now)
        let cDel = c.deleted(at: now)
        let gDel = g.deleted(at: now)
        let paused = a.paused(at: now)
        let secondary: String
        if own {
            secondary = "AD_STATUS_DELETE"
        } else if cDel {
            secondary = "AD_STATUS_CAMPAIGN_DELETE"
        } else if gDel {
            secondary = "AD_STATUS_ADGROUP_DELETE"
        } else if paused {
            secondary = "AD_STATUS_DISABLE"
        } else if c.paused(at: now) {
            secondary = "AD_STATUS_CAMPAIGN_DISABLE"
        } else if g.paused(at: now) {
            secondary = "AD_STATUS_ADGROUP_DISABLE"
        } else {
            secondary = "AD_STATUS_DELIVERY_OK"
        }
        let deleted = own || cDel || gDel
        return EntityState(
            exists: a.create <= now, deleted: deleted, enabled: !paused && !deleted,
            deliveryOK: secondary == "AD_STATUS_DELIVERY_OK", secondaryStatus: secondary,
            modifyTime: a.modifyTime(at: now), version: a.version(at: now))
    }
}

/// A status filter: which entities a listing or report includes.
struct StatusFilter: Sendable {
    enum Primary: String, CaseIterable {
        case all = "STATUS_ALL"
        case notDelete = "STATUS_NOT_DELETE"
        case delete = "STATUS_DELETE"
        case deliveryOK = "STATUS_DELIVERY_OK"
        case disable = "STATUS_DISABLE"
        case notDelivery = "STATUS_NOT_DELIVERY"
    }

    var primary: Primary?
    var secondary: String?

    static let `default` = StatusFilter(primary: nil, secondary: nil)

    static func secondaryValues(_ kind: EntityKind) -> [String] {
        switch kind {
        case .campaign:
            return ["CAMPAIGN_STATUS_ALL", "CAMPAIGN_STATUS_NOT_DELETE", "CAMPAIGN_STATUS_DELETE",
                    "CAMPAIGN_STATUS_ENABLE", "CAMPAIGN_STATUS_DISABLE", "CAMPAIGN_STATUS_BUDGET_EXCEED",
                    "CAMPAIGN_STATUS_ADVERTISER_AUDIT", "CAMPAIGN_STATUS_ADVERTISER_AUDIT_DENY"]
        case .adGroup:
            return ["ADGROUP_STATUS_ALL", "ADGROUP_STATUS_NOT_DELETE", "ADGROUP_STATUS_DELETE",
                    "ADGROUP_STATUS_CAMPAIGN_DELETE", "ADGROUP_STATUS_DELIVERY_OK", "ADGROUP_STATUS_DISABLE",
                    "ADGROUP_STATUS_CAMPAIGN_DISABLE", "ADGROUP_STATUS_TIME_DONE", "ADGROUP_STATUS_NOT_START",
                    "ADGROUP_STATUS_BUDGET_EXCEED", "ADGROUP_STATUS_AUDIT", "ADGROUP_STATUS_AUDIT_DENY"]
        default:
            return ["AD_STATUS_ALL", "AD_STATUS_NOT_DELETE", "AD_STATUS_DELETE", "AD_STATUS_CAMPAIGN_DELETE",
                    "AD_STATUS_ADGROUP_DELETE", "AD_STATUS_DELIVERY_OK", "AD_STATUS_DISABLE",
                    "AD_STATUS_CAMPAIGN_DISABLE", "AD_STATUS_ADGROUP_DISABLE", "AD_STATUS_AUDIT",
                    "AD_STATUS_REAUDIT", "AD_STATUS_AUDIT_DENY"]
        }
    }

    func includes(_ s: EntityState) -> Bool {
        if let primary {
            let ok: Bool
            switch primary {
            case .all: ok = true
            case .notDelete: ok = !s.deleted
            case .delete: ok = s.deleted
            case .deliveryOK: ok = s.deliveryOK
            case .disable, .notDelivery: ok = !s.deleted && !s.deliveryOK
            }
            if !ok { return false }
        }
        if let secondary {
            if secondary.hasSuffix("_STATUS_ALL") { return true }
            if secondary.hasSuffix("_STATUS_NOT_DELETE") { return !s.deleted }
            if secondary == "CAMPAIGN_STATUS_DELETE" || secondary == "ADGROUP_STATUS_DELETE"
                || secondary == "AD_STATUS_DELETE"
            {
                return s.deleted
            }
            return s.secondaryStatus == secondary
        }
        if primary == nil { return !s.deleted }
        return true
    }
}
