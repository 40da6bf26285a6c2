/// file/video/ad/search and file/image/ad/search: the ad account's creative library. Every video and image an ad
/// names (`video_id`, `image_ids` of ad/get) is in it, deleted ads' assets included (deleting an ad keeps its files);
/// an asset is listed once it was uploaded, a little before its ad was created.
extension SimulatorCore {
    enum CreativeKind {
        case video, image

        var idField: String { self == .video ? "video_id" : "image_id" }
        var idsFilter: String { self == .video ? "video_ids" : "image_ids" }
    }

    /// Whether an ad's creative is a video (else a single image).
    func adHasVideo(_ a: EntityFacts) -> Bool { Hashing.mix(a.h ^ 24) % 4 != 0 }

    /// The video id an ad names (ad/get `video_id`).
    func videoID(_ a: EntityFacts) -> String {
        "v10033g50000c\(String(Hashing.mix(a.h ^ 25) % 1_000_000_000, radix: 36))"
    }

    /// The image id an ad names (ad/get `image_ids`).
    func imageID(_ a: EntityFacts) -> String {
        "tos-alisg-p-0051c001-sg/\(String(Hashing.mix(a.h ^ 26), radix: 36))"
    }

    /// When an ad's asset was uploaded: between 10 minutes and 3 days before the ad was created.
    func assetUploadTime(_ a: EntityFacts) -> Int64 {
        a.timeline.create - Hashing.range(Hashing.mix(a.h ^ 27), 600, 3 * CivilTime.secondsPerDay)
    }

    func creativeAssets(_ request: APIRequest, kind: CreativeKind) -> Outcome {
        success(request, capacity: 32 * 1024) { w throws(APIError) in
            let adv = try grantedAdvertiser(request)
            let page = try request.query.int("page", default: 1, range: 1...Int(Int32.max))
            let pageSize = try request.query.int("page_size", default: 20, range: 1...100)
            var wanted: Set<String>?
            if let filtering = try request.query.object("filtering") {
                for (key, value) in filtering.sorted(by: { $0.key < $1.key }) {
                    switch key {
                    case kind.idsFilter:
                        let ids = try QueryParameters.strings(value, name: "filtering", maxCount: nil)
                        guard !ids.isEmpty, ids.count <= 100 else {
                            throw .invalid("filtering", "\(key): Length must be between 1 and 100.")
                        }
                        wanted = Set(ids)
                    case "displayable":
                        guard value is Bool else { throw .invalid("filtering", "displayable: Not a valid boolean.") }
                    default:
                        throw .invalid("filtering", "Unknown field \(key).")
                    }
                }
            }
            let now = request.now
            // One asset per ad of the kind (an id named twice is listed once), newest upload first.
            var assets: [(id: String, ad: EntityFacts, uploaded: Int64)] = []
            var seen = Set<String>()
            for c in 0..<model.campaignsPerAdvertiser {
                let campaign = model.campaign(adv, c)
                for gi in 0..<model.adGroupsPerCampaign {
                    let g = model.adGroup(adv, c * model.adGroupsPerCampaign + gi, campaign: campaign)
                    for ai in 0..<model.adsPerAdGroup {
                        let a = model.ad(adv, g.index * model.adsPerAdGroup + ai, adGroup: g)
                        guard adHasVideo(a) == (kind == .video) else { continue }
                        let uploaded = assetUploadTime(a)
                        guard uploaded <= now else { continue }
                        let id = kind == .video ? videoID(a) : imageID(a)
                        if let wanted, !wanted.contains(id) { continue }
                        guard seen.insert(id).inserted else { continue }
                        assets.append((id, a, uploaded))
                    }
                }
            }
            assets.sort { $0.uploaded != $1.uploaded ? $0.uploaded > $1.uploaded : $0.id > $1.id }

            SimulatorCore.writeListing(assets, page: page, pageSize: pageSize, insertedRows: request.insertedRows, to: &w) { asset, w in
                writeAsset(id: asset.id, ad: asset.ad, uploaded: asset.uploaded, kind: kind, now: now, to: &w)
            }
        }
    }

    func writeAsset(id: String, ad a: EntityFacts, uploaded: Int64, kind: CreativeKind, now: Int64, to w: inout JSONWriter) {
        let h = Hashing.mix(a.h ^ 28)
        let vertical = h % 5 != 0
        let signature = String(Hashing.mix(h ^ 1), radix: 16).leftPadded(16) + String(Hashing.mix(h ^ 2), radix: 16).leftPadded(16)
        var fields: [(String, FieldValue)] = [(kind.idField, .string(id))]
        switch kind {
        case .video:
            let durationCentis = Hashing.range(Hashing.mix(h ^ 3), 500, 6000)
            let bitRate = Hashing.range(Hashing.mix(h ^ 4), 800_000, 6_000_000)
            let expires = (now / 3600 + 12) * 3600  // preview links are temporary: a fresh one on each listing hour
            fields += [
                ("file_name", .string("video_\(a.index + 1)_\(String(h % 100_000, radix: 36)).mp4")),
                ("format", .string("mp4")),
                ("size", .int(bitRate / 8 * durationCentis / 100)),
                ("width", .int(vertical ? 720 : 1280)),
                ("height", .int(vertical ? 1280 : 720)),
                ("duration", .money(durationCentis)),
                ("bit_rate", .int(bitRate)),
                ("video_cover_url", .string("https://p16-sign-sg.tiktokcdn.com/\(id)~tplv-noop.image")),
                ("preview_url", .string("https://v16m-default.akamaized.net/\(id)/preview.mp4")),
                ("preview_url_expire_time", .string(CivilTime.dateTimeString(seconds: expires))),
                ("signature", .string(signature)),
                ("material_id", .string(String(Hashing.mix(h ^ 5) % 10_000_000_000_000_000))),
                ("allowed_placements", .strings(vertical ? ["PLACEMENT_TIKTOK", "PLACEMENT_PANGLE"] : ["PLACEMENT_PANGLE"])),
                ("allow_download", .bool(h % 3 != 0)),
                ("displayable", .bool(true)),
            ]
        case .image:
            let png = h % 4 == 0
            fields += [
                ("file_name", .string("image_\(a.index + 1)_\(String(h % 100_000, radix: 36)).\(png ? "png" : "jpg")")),
                ("format", .string(png ? "png" : "jpeg")),
                ("size", .int(Hashing.range(Hashing.mix(h ^ 3), 40_000, 900_000))),
                ("width", .int(vertical ? 720 : 1200)),
                ("height", .int(vertical ? 1280 : 628)),
                ("image_url", .string("https://p21-ad-sg.ibyteimg.com/obj/\(id)")),
                ("signature", .string(signature)),
                ("material_id", .string(String(Hashing.mix(h ^ 5) % 10_000_000_000_000_000))),
                ("is_carousel_usable", .bool(!vertical)),
                ("displayable", .bool(true)),
            ]
        }
        fields += [
            ("create_time", .string(CivilTime.dateTimeString(seconds: uploaded))),
            ("modify_time", .string(CivilTime.dateTimeString(seconds: uploaded))),
        ]
        w.byte(123)
        for (index, (name, value)) in fields.enumerated() {
            if index > 0 { w.byte(44) }
            w.key(name)
            value.write(to: &w)
        }
        w.byte(125)
    }
}

extension String {
    /// The string with leading zeros up to `width` characters.
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
