package org.sotto

import java.io.File
import java.nio.file.Files

val devicesTests = listOf(
    "multi-device: a laptop linked by QR code, fan-out to Bob and the laptop, codes change, the laptop removed, a hosted device" to {
        val dir = Files.createTempDirectory("sotto-kotlin-devices").toFile()
        try {
            multiDevice(dir)
        } finally {
            dir.deleteRecursively()
        }
    },
    "device records, lists and linking refuse misuse" to {
        Identity.generate().use { account ->
            Identity.generate().use { laptop ->
                val request = LinkingRequest.start(laptop)
                request.use {
                    val qr = it.qrCode
                    assertEquals(Devices.LINK_QR_LEN, qr.size)
                    val answer = Devices.answerLink(account, qr, 1, NOW)
                    val tampered = answer.copyOf().also { a -> a[a.size - 1] = (a[a.size - 1].toInt() xor 1).toByte() }
                    assertError(SottoError.DECRYPT_FAILED) { it.accept(laptop, tampered) }
                    assertError(SottoError.WRONG_TYPE) { it.accept(laptop, answer, laptop.publicKey) }
                    val record = it.accept(laptop, answer, account.publicKey)
                    assertEquals(Devices.RECORD_LEN, record.size)
                    assertError(SottoError.DUPLICATE_MESSAGE) { it.accept(laptop, answer) }
                }
                assertTrue(request.isClosed, "closed")
                assertThrows<IllegalStateException> { request.qrCode }
                assertError(SottoError.INVALID_ARGUMENT) { Devices.answerLink(account, ByteArray(Devices.LINK_QR_LEN), -1, NOW) }
                assertError(SottoError.INVALID_ARGUMENT) { Devices.signRecord(account, laptop.publicKey, 1L shl 32, NOW, DeviceKind.COMPANION) }
                assertThrows<SottoException> { Devices.countersign(laptop, bytes("junk")) }
                val signed = Devices.signRecord(account, laptop.publicKey, 1, NOW, DeviceKind.COMPANION)
                assertError(SottoError.MALFORMED) { Devices.countersign(laptop, signed.copyOf(signed.size - 1)) }
                assertError(SottoError.WRONG_TYPE) { Devices.countersign(account, signed) }
                val record = Devices.countersign(laptop, signed)
                val list = Devices.signList(account, 1, NOW, listOf(0L to account.publicKey, 1L to laptop.publicKey))
                val primary = Devices.countersign(account, Devices.signRecord(account, account.publicKey, 0, NOW, DeviceKind.PRIMARY))
                val devices = Devices.verify(account.publicKey, list, listOf(primary, record), NOW)
                assertEquals(listOf(0L, 1L), devices.map { it.index })
                assertEquals(DeviceKind.COMPANION, devices[1].kind)
                assertEquals(laptop.publicKey, devices[1].identity)
                assertEquals(NOW, devices[1].addedAt)
                assertError(SottoError.STALE_DEVICE_LIST) { Devices.verify(account.publicKey, list, listOf(primary, record), NOW, 2) }
                assertError(SottoError.MALFORMED) { Devices.verify(account.publicKey, list, listOf(primary, record.copyOf(10)), NOW) }
                assertError(SottoError.INVALID_ARGUMENT) { Devices.verify(account.publicKey, list, listOf(primary), -1) }
            }
        }
    },
    "a new device's history blob: an attachment stream under the history context" to {
        val history = ByteArray(40_000) { (it * 7).toByte() }
        val (blob, attachment) = AttachmentEncryptor.forHistory().use { e ->
            val first = e.update(history)
            val (last, a) = e.finish()
            kotlin.Pair(first + last, a)
        }
        val descriptor = attachment.descriptor("application/octet-stream")
        val envelope = Envelope.decode(Envelope.encode(Content.Other(ContentType.DEVICE_HISTORY, descriptor), NOW_MS))
        assertEquals(ContentType.DEVICE_HISTORY, envelope.content.type)
        val back = AttachmentDecryptor.forHistory((envelope.content as Content.Other).body).use { d ->
            d.update(blob) + d.finish()
        }
        assertEquals(history, back)
        // Not an attachment: the contexts differ.
        assertThrows<SottoException> { AttachmentDecryptor(descriptor).use { d -> d.update(blob) + d.finish() } }
        assertError(SottoError.MALFORMED) { AttachmentDecryptor.forHistory(bytes("junk")) }
    },
)

/** One device: its identity, prekeys and store. */
private class Device(dir: File, name: String) : AutoCloseable {
    val identity = Identity.generate()
    val prekeys = PrekeyStore(identity, NOW).apply { generateOneTimePrekeys(2) }
    val store = Store(File(dir, "$name.db").path, ByteArray(32) { name.length.toByte() }, durable = false).apply {
        setDevice(identity, prekeys)
    }
    val key: IdentityKey get() = identity.publicKey

    override fun close() {
        store.close()
        prekeys.close()
        identity.close()
    }
}

private fun multiDevice(dir: File) {
    val (alice, bob) = bytes("alice") to bytes("bob")
    val phone = Device(dir, "phone")
    val laptop = Device(dir, "laptop")
    val bobPhone = Device(dir, "bob")
    val host = Device(dir, "host")
    try {
        val phoneRecord = Devices.countersign(phone.identity, Devices.signRecord(phone.identity, phone.key, 0, NOW, DeviceKind.PRIMARY))
        val bobRecord = Devices.countersign(bobPhone.identity, Devices.signRecord(bobPhone.identity, bobPhone.key, 0, NOW, DeviceKind.PRIMARY))
        val aliceV1 = Devices.signList(phone.identity, 1, NOW, listOf(0L to phone.key))
        val bobV1 = Devices.signList(bobPhone.identity, 1, NOW, listOf(0L to bobPhone.key))
        for (d in listOf(phone, bobPhone)) {
            d.store.setDevices(alice, aliceV1, listOf(phoneRecord), NOW)
            d.store.setDevices(bob, bobV1, listOf(bobRecord), NOW)
        }
        assertTrue(phone.store.setDevices(alice, aliceV1, listOf(phoneRecord), NOW).own, "Alice's own list")
        val code1 = bobPhone.store.securityCode(bob, alice, alice).use { it.digits }

        // The laptop links by QR code.
        val laptopRecord = LinkingRequest.start(laptop.identity).use { request ->
            val answer = Devices.answerLink(phone.identity, request.qrCode, 1, NOW)
            request.accept(laptop.identity, answer, phone.key)
        }
        val aliceRecords = listOf(phoneRecord, laptopRecord)
        val aliceV2 = Devices.signList(phone.identity, 2, NOW, listOf(0L to phone.key, 1L to laptop.key))
        for (d in listOf(phone, laptop)) d.store.setDevices(alice, aliceV2, aliceRecords, NOW)
        laptop.store.setDevices(bob, bobV1, listOf(bobRecord), NOW)
        val update = bobPhone.store.setDevices(alice, aliceV2, aliceRecords, NOW)
        assertEquals(2L, update.version)
        assertEquals(2, update.devices)
        assertEquals(1, update.joined)
        assertTrue(update.codeChanged && !update.hosted && !update.own, "the code changed: $update")
        assertEquals(emptyList<ByteArray>(), update.rotatedGroups)
        val code2 = bobPhone.store.securityCode(bob, alice, alice).use { it.digits }
        assertTrue(code1 != code2, "a new code")
        assertEquals(listOf(0L, 1L), bobPhone.store.devices(alice).map { it.index })
        assertEquals(laptop.key, bobPhone.store.devices(alice)[1].identity)
        assertEquals(listOf(true, true), bobPhone.store.deviceChanges(alice).map { it.joined })
        assertError(SottoError.NOT_FOUND) { bobPhone.store.devices(bytes("carol")) }

        // The phone starts the sessions it lacks, then sends once.
        assertError(SottoError.SESSION_MISMATCH) { phone.store.sendToUser(bob, Content.Text("x"), NOW_MS) }
        val missing = phone.store.devicesWithoutSession(bob)
        assertEquals(setOf(DeviceAddress(bob, 0), DeviceAddress(alice, 1)), missing.toSet())
        for (a in missing) {
            val d = if (a == DeviceAddress(bob, 0)) bobPhone else laptop
            phone.store.initiateDevice(a.user, a.index, d.prekeys.bundle(d.identity), NOW)
        }
        assertEquals(emptyList<DeviceAddress>(), phone.store.devicesWithoutSession(bob))
        val sent = phone.store.sendToUser(bob, Content.Text("hi from the phone"), NOW_MS)
        assertEquals(setOf(DeviceAddress(bob, 0), DeviceAddress(alice, 1)), sent.map { it.address }.toSet())
        assertTrue(sent.all { it.sentAtMs == NOW_MS && it.expiresAtMs == null }, "the send's times")
        val toBob = sent.first { it.address == DeviceAddress(bob, 0) }
        val toLaptop = sent.first { it.address == DeviceAddress(alice, 1) }
        assertEquals(DeviceAddress(alice, 1), phone.store.outgoingDevice(toLaptop.outboxId))
        assertError(SottoError.UNTRUSTED_IDENTITY) { bobPhone.store.receiveFromDevice(alice, 5, toBob.message, NOW_MS) }
        assertEquals(Content.Text("hi from the phone"), bobPhone.store.receiveFromDevice(alice, 0, toBob.message, NOW_MS).content)
        assertEquals(Content.Text("hi from the phone"), laptop.store.receiveFromDevice(alice, 0, toLaptop.message, NOW_MS).content)
        for (m in sent) phone.store.ackOutgoing(m.outboxId)
        assertError(SottoError.NOT_FOUND) { phone.store.outgoingDevice(toBob.outboxId) }

        // The laptop is removed: the code changes again, and only Bob gets the next message.
        val aliceV3 = Devices.signList(phone.identity, 3, NOW, listOf(0L to phone.key))
        phone.store.setDevices(alice, aliceV3, listOf(phoneRecord), NOW)
        val removed = bobPhone.store.setDevices(alice, aliceV3, listOf(phoneRecord), NOW)
        assertTrue(removed.left == 1 && removed.codeChanged, "the laptop left: $removed")
        assertTrue(bobPhone.store.securityCode(bob, alice, alice).use { it.digits } != code2, "a new code")
        assertEquals(false, bobPhone.store.deviceChanges(alice).last().joined)
        val next = phone.store.sendToUser(bob, Content.Text("laptop gone"), NOW_MS + 1)
        assertEquals(listOf(DeviceAddress(bob, 0)), next.map { it.address })
        assertEquals(Content.Text("laptop gone"), bobPhone.store.receiveFromDevice(alice, 0, next[0].message, NOW_MS + 1).content)
        val reply = bobPhone.store.sendToUser(alice, Content.Text("hi Alice"), NOW_MS + 2)
        assertEquals(listOf(DeviceAddress(alice, 0)), reply.map { it.address })

        // Bob adds a hosted device: labelled; the code leaves it out.
        assertEquals(false, phone.store.isHosted(bob))
        val hostRecord = Devices.countersign(host.identity, Devices.signRecord(bobPhone.identity, host.key, 1, NOW, DeviceKind.HOSTED))
        val bobV2 = Devices.signList(bobPhone.identity, 2, NOW, listOf(0L to bobPhone.key, 1L to host.key))
        val before = phone.store.securityCode(alice, bob, bob).use { it.digits }
        val hosted = phone.store.setDevices(bob, bobV2, listOf(bobRecord, hostRecord), NOW)
        assertTrue(hosted.hosted && !hosted.codeChanged, "hosted: $hosted")
        assertEquals(true, phone.store.isHosted(bob))
        assertEquals(before, phone.store.securityCode(alice, bob, bob).use { it.digits })

        // Misuse.
        assertError(SottoError.MALFORMED) { phone.store.setDevices(bob, bobV2, listOf(bobRecord, hostRecord.copyOf(100)), NOW) }
        assertError(SottoError.STALE_DEVICE_LIST) { bobPhone.store.setDevices(alice, aliceV2, aliceRecords, NOW) }
        assertError(SottoError.INVALID_ARGUMENT) { phone.store.initiateDevice(bob, -1, ByteArray(0), NOW) }
        assertError(SottoError.NOT_FOUND) { phone.store.securityCode(alice, bytes("carol"), bytes("carol")) }
    } finally {
        for (d in listOf(phone, laptop, bobPhone, host)) d.close()
    }
}
