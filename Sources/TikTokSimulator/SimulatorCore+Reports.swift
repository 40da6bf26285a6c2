/// report/integrated/get: plans the rows of a request, counts them cheaply and writes only one page.
extension SimulatorCore {
    /// One row entity of a report (an advertiser, campaign, ad group or ad) and its ad slots.
    struct ReportEntity {
        var id: UInt64
        var lo: Int
        var hi: Int
        var campaign: EntityFacts?
        var adGroup: EntityFacts?
        var ad: EntityFacts?
        var state: EntityState?
    }

    func report(_ request: APIRequest) -> Outcome {
        success(request, capacity: 256 * 1024) { w throws(APIError) in
            let query = try ReportQuery.parse(request.query, rejecting: rejectedMetrics)
            let adv = try grantedAdvertiser(request)
            try writeReport(query, advertiser: adv, request: request, to: &w)
        }
    }

    func writeReport(_ query: ReportQuery, advertiser adv: Int, request: APIRequest, to w: inout JSONWriter) throws(APIError) {
        let now = request.now
        let observeNow = query.isAudience ? now - Int64(options.audienceLagHours) * 3600 : now
        var quantities: [Quantity] = [.impressions]
        for m in query.metrics { quantities.append(contentsOf: m.quantities) }
        let fullSet = QuantitySet(quantities)
        let countSet = QuantitySet([.impressions])
        let engine = ReportEngine(
            model: model, advertiser: adv, needed: countSet, restatementDays: options.restatementDays, now: observeNow)
        let facts = model.advertiser(adv)

        // Days and day groups.
        let firstDay: Int64
        let lastDay: Int64
        if query.lifetime {
            firstDay = engine.zone.local(facts.createTime).day
            lastDay = engine.today
        } else {
            firstDay = query.startDay ?? engine.today
            lastDay = min(query.endDay ?? engine.today, engine.today)
        }
        var groups: [ClosedRange<Int64>] = []
        if firstDay <= lastDay {
            engine.prepare(days: firstDay...lastDay)
            if query.timeDimension != nil {
                groups = (firstDay...lastDay).map { $0...$0 }
            } else {
                groups = [firstDay...lastDay]
            }
        }

        // Ads in scope (id filters) and row entities (status filters), sorted by id descending.
        let n = engine.adCount
        let perAdGroup = max(1, model.adsPerAdGroup)
        let perCampaign = max(1, model.adGroupsPerCampaign * model.adsPerAdGroup)
        let campaigns = (0..<model.campaignsPerAdvertiser).map { model.campaign(adv, $0) }
        let adGroups = (0..<model.adGroupsPerAdvertiser).map {
            model.adGroup(adv, $0, campaign: campaigns[model.campaignIndex(ofAdGroup: $0)])
        }
        var included = [Bool](repeating: true, count: n)
        if query.campaignIDs != nil || query.adGroupIDs != nil || query.adIDs != nil {
            for s in 0..<n {
                let g = s / perAdGroup
                let c = s / perCampaign
                if let ids = query.campaignIDs, !ids.contains(campaigns[c].id) { included[s] = false }
                if let ids = query.adGroupIDs, !ids.contains(adGroups[g].id) { included[s] = false }
                if let ids = query.adIDs, !ids.contains(model.codec.encode(.ad, advertiser: adv, entity: s)) {
                    included[s] = false
                }
            }
        }
        var entities: [ReportEntity] = []
        switch query.level {
        case .advertiser:
            entities = [ReportEntity(id: facts.id, lo: 0, hi: n)]
        case .campaign:
            for c in campaigns where c.timeline.create <= now {
                let st = EntityState.campaign(c.timeline, now: now)
                guard query.statusAllows(st, at: .campaign, isRowLevel: true) else { continue }
                entities.append(ReportEntity(id: c.id, lo: c.index * perCampaign, hi: (c.index + 1) * perCampaign, campaign: c, state: st))
            }
        case .adGroup:
            for g in adGroups where g.timeline.create <= now {
                let c = campaigns[model.campaignIndex(ofAdGroup: g.index)]
                let st = EntityState.adGroup(g.timeline, campaign: c.timeline, now: now)
                guard query.statusAllows(st, at: .adGroup, isRowLevel: true),
                    query.statusAllows(EntityState.campaign(c.timeline, now: now), at: .campaign, isRowLevel: false)
                else { continue }
                entities.append(ReportEntity(id: g.id, lo: g.index * perAdGroup, hi: (g.index + 1) * perAdGroup, campaign: c, adGroup: g, state: st))
            }
        case .ad:
            for s in 0..<n where included[s] {
                let g = adGroups[s / perAdGroup]
                let c = campaigns[s / perCampaign]
                let a = model.ad(adv, s, adGroup: g)
                guard a.timeline.create <= now else { continue }
                let st = EntityState.ad(a.timeline, adGroup: g.timeline, campaign: c.timeline, now: now)
                guard query.statusAllows(st, at: .ad, isRowLevel: true),
                    query.statusAllows(EntityState.adGroup(g.timeline, campaign: c.timeline, now: now), at: .adGroup, isRowLevel: false),
                    query.statusAllows(EntityState.campaign(c.timeline, now: now), at: .campaign, isRowLevel: false)
                else { continue }
                entities.append(ReportEntity(id: a.id, lo: s, hi: s + 1, campaign: c, adGroup: g, ad: a, state: st))
            }
        }
        entities.sort { $0.id > $1.id }

        // Count pass: impressions only.
        let q = Quantity.count
        let outputs = engine.outputCount(query.split)
        var acc = [Int64](repeating: 0, count: max(24, outputs) * q)
        var cell = [Int64](repeating: 0, count: q)
        func accumulate(_ e: ReportEntity, _ group: ClosedRange<Int64>) {
            let set = engine.needed
            for k in 0..<outputs { for qi in set.ordered { acc[k * q + qi] = 0 } }
            for s in e.lo..<e.hi where included[s] {
                for day in group {
                    switch query.split {
                    case .none:
                        if engine.dayCell(s, day: day, into: &cell) {
                            for qi in set.ordered { acc[qi] += cell[qi] }
                        }
                    case .hours:
                        engine.addHourCells(s, day: day, into: &acc, scratch: &cell)
                    case .hoursCountry:
                        engine.addHourCountryCells(s, day: day, into: &acc, scratch: &cell)
                    default:
                        if engine.dayCell(s, day: day, into: &cell) {
                            engine.addCategoryCells(s, day: day, split: query.split, cell: cell, into: &acc)
                        }
                    }
                }
            }
        }
        var counts = [Int](repeating: 0, count: entities.count)
        var total = 0
        for (i, e) in entities.enumerated() {
            var c = 0
            for g in groups {
                accumulate(e, g)
                for k in 0..<outputs where acc[k * q] > 0 { c += 1 }
            }
            counts[i] = c
            total += c
        }

        // Page.
        let shift = total > 0 ? request.insertedRows : 0
        let reported = total + shift
        let start = (query.page - 1) * query.pageSize
        let end = min(reported, start + query.pageSize)
        engine.needed = fullSet
        let writer = ReportRowWriter(
            core: self, query: query, advertiser: facts, engine: engine, now: now,
            days: firstDay <= lastDay && query.timeDimension != nil ? firstDay...lastDay : nil)

        w.raw("{\"list\":[")
        if start < end {
            let firstOriginal = max(0, start - shift)
            let lastOriginal = end - shift  // exclusive
            var rowBytes = JSONWriter(capacity: shift > 0 ? 64 * 1024 : 0)
            var offsets: [Int] = []
            var index = 0
            var wroteAny = false
            outer: for (i, e) in entities.enumerated() {
                if index + counts[i] <= firstOriginal {
                    index += counts[i]
                    continue
                }
                var attributes = ReportRowWriter.Attributes()
                for g in groups {
                    accumulate(e, g)
                    for k in 0..<outputs where acc[k * q] > 0 {
                        if index >= lastOriginal { break outer }
                        if index == firstOriginal, request.dropsFirstRow {
                            index += 1
                            continue
                        }
                        if index >= firstOriginal {
                            if shift > 0 {
                                offsets.append(rowBytes.bytes.count)
                                writer.writeRow(entity: e, day: g.lowerBound, bucket: k, values: acc, offset: k * q, attributes: &attributes, to: &rowBytes)
                            } else {
                                if wroteAny { w.byte(44) }
                                writer.writeRow(entity: e, day: g.lowerBound, bucket: k, values: acc, offset: k * q, attributes: &attributes, to: &w)
                            }
                            wroteAny = true
                        }
                        index += 1
                    }
                }
            }
            if shift > 0 {
                offsets.append(rowBytes.bytes.count)
                for position in start..<end {
                    let o = max(0, position - shift) - firstOriginal
                    guard o >= 0, o + 1 < offsets.count else { continue }
                    if position > start { w.byte(44) }
                    w.bytes.append(contentsOf: rowBytes.bytes[offsets[o]..<offsets[o + 1]])
                }
            }
        }
        w.raw("],\"page_info\":")
        SimulatorCore.writePageInfo(page: query.page, pageSize: query.pageSize, total: reported, to: &w)
        if query.totalMetrics {
            w.raw(",\"total_metrics\":")
            var totals = [Int64](repeating: 0, count: 24 * q)
            for e in entities {
                for g in groups {
                    accumulate(e, g)
                    for k in 0..<outputs { for qi in fullSet.ordered { totals[qi] += acc[k * q + qi] } }
                }
            }
            writer.writeTotals(totals, to: &w)
        }
        w.raw("}")
    }
}
