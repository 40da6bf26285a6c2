/// dmp/custom_audience/list.
extension SimulatorCore {
    func audiences(_ request: APIRequest) -> Outcome {
        success(request, capacity: 16 * 1024) { w throws(APIError) in
            let adv = try grantedAdvertiser(request)
            let page = try request.query.int("page", default: 1, range: 1...Int(Int32.max))
            let pageSize = try request.query.int("page_size", default: 10, range: 1...100)
            var wanted: Set<UInt64>?
            if let ids = try request.query.stringArray("custom_audience_ids") {
                guard !ids.isEmpty, ids.count <= 100 else {
                    throw .invalid("custom_audience_ids", "Length must be between 1 and 100.")
                }
                wanted = Set(ids.compactMap { UInt64($0) })
            }
            let now = request.now
            var rows: [(id: UInt64, index: Int, create: Int64)] = []
            for i in 0..<model.audiencesPerAdvertiser {
                let id = model.codec.encode(.audience, advertiser: adv, entity: i)
                if let wanted, !wanted.contains(id) { continue }
                let create = model.audienceCreate(adv, i)
                if create > now { continue }
                rows.append((id, i, create))
            }
            rows.sort { $0.id > $1.id }
            let owner = model.codec.encode(.advertiser, advertiser: adv, entity: 0)
            SimulatorCore.writeListing(rows, page: page, pageSize: pageSize, insertedRows: request.insertedRows, to: &w) { r, w in
                let h = model.h(.audience, adv, r.index, 3)
                let typeIndex = Int(h % UInt64(WorldTables.audienceTypes.count))
                let type = WorldTables.audienceTypes[typeIndex]
                let expired = r.create + 365 * CivilTime.secondsPerDay
                let valid = now - r.create > 3600
                w.raw("{\"audience_id\":")
                w.quotedInt(Int64(bitPattern: r.id))
                w.raw(",\"name\":")
                w.string("\(["Purchasers", "Engaged viewers", "App users", "Site visitors", "Lookalike", "Leads"][typeIndex]) \(r.index + 1)")
                w.raw(",\"audience_type\":")
                w.string(type)
                w.raw(",\"audience_sub_type\":\"NORMAL\",\"calculate_type\":")
                if typeIndex == 0 { w.raw("\"SHA256\"") } else { w.null() }
                w.raw(",\"cover_num\":")
                w.int(valid ? Hashing.range(Hashing.mix(h ^ 1), 1000, 2_000_000) : 0)
                w.raw(",\"shared\":false,\"is_creator\":true,\"owner_id\":")
                w.quotedInt(Int64(bitPattern: owner))
                w.raw(",\"is_valid\":")
                w.bool(valid && expired > now)
                w.raw(",\"is_expiring\":")
                w.bool(expired > now && expired - now < 60 * CivilTime.secondsPerDay)
                w.raw(",\"is_auto_refresh\":")
                w.bool(typeIndex != 0)
                w.raw(",\"msg\":\"\",\"error_msg\":\"\",\"create_time\":")
                w.string(CivilTime.dateTimeString(seconds: r.create))
                w.raw(",\"expired_time\":")
                w.string(CivilTime.dateTimeString(seconds: expired))
                w.raw("}")
            }
        }
    }
}
