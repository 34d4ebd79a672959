"""Demo privacy: a first notice (a starting text for the network to adapt, in Thai and English), acknowledged for the
demo accounts, and the owners of the demo plots agreeing, as a coordinator recorded, to show their names on the
public pages, to be listed in the farm directory, to show the photos of the plots and, for those with LINE, to get
notices there."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.accounts.models import User
from greensmile.demo import DEMO_DOMAIN, demo_user
from greensmile.extensions import db
from greensmile.plots.demo import DEMO_PLOTS, demo_code
from greensmile.plots.models import Plot
from greensmile.privacy import services
from greensmile.privacy.models import Consent, Purpose

NOTICE_TH = """ประกาศความเป็นส่วนตัวของกรีนสไมล์ (ตัวอย่าง: เครือข่ายปรับให้ตรงกับการทำงานจริงก่อนใช้)

ข้อมูลที่เราเก็บ: ชื่อ เบอร์โทรศัพท์ อีเมล ที่อยู่ ตำแหน่งและขอบเขตแปลง เอกสารสิทธิ์ที่ดิน ลายมือชื่อ รูปถ่าย ผลการตรวจแปลง คำสั่งซื้อ และข้อความที่ส่งถึงท่าน

เพื่ออะไรและฐานทางกฎหมาย: การรับรองแบบมีส่วนร่วม (PGS) และ FSC การซื้อขาย และการตรวจสอบย้อนกลับ อาศัยสัญญาและหน้าที่ตามกฎหมาย การแสดงชื่อบนหน้าสาธารณะ การอยู่ในทำเนียบฟาร์ม และข้อความทาง LINE อาศัยความยินยอม ซึ่งถอนได้ทุกเมื่อ

เก็บนานเท่าใด: ประวัติการรับรองเก็บตามที่มาตรฐานกำหนด ใบแจ้งหนี้และคำสั่งซื้อเก็บตามกฎหมายบัญชี ข้อมูลอื่นเก็บเท่าที่ใช้งาน

ผู้รับข้อมูล: ผู้ประสานงานและคณะกรรมการของเครือข่าย ผู้ซื้อยางที่ซื้อล็อตของท่าน Stripe (ชำระเงิน) และ LINE (ข้อความ) ซึ่งอยู่ต่างประเทศ

สิทธิของท่าน: ขอดูและดาวน์โหลดข้อมูลของท่าน ขอแก้ไข ขอลบ คัดค้าน และถอนความยินยอม โดยแจ้งผู้ประสานงานของเครือข่าย หรือที่หน้า "ความยินยอมของคุณ" ในบัญชีของท่าน"""

NOTICE_EN = """Green Smile's privacy notice (a starting text: the network adapts it to how it works before use)

What we keep: names, phone numbers, e-mail, addresses, plot positions and boundaries, land documents, signatures, photos, inspection results, orders and the messages we send you.

Why, and on which basis: PGS and FSC certification, buying and selling, and traceability rest on contract and legal duty. Your name on public pages, the farm directory and LINE messages rest on your consent, which you may withdraw at any time.

For how long: certification history as the standards require, invoices and orders as accounting law requires, the rest while it is in use.

Who receives it: the network's coordinators and committee, the rubber buyers of your lots, Stripe (payments) and LINE (messages), both abroad.

Your rights: to see and download your data, to correct it, to have it erased, to object, and to withdraw consent: ask a coordinator, or use "What you agree to" in your account."""


def seed_privacy() -> None:
    coordinator = demo_user("coordinator")
    if coordinator is None:
        return
    notice = services.current_notice() or services.publish_notice(coordinator, NOTICE_TH, NOTICE_EN)
    codes = [demo_code(row[0]) for row in DEMO_PLOTS]
    owners = db.session.scalars(sa.select(User).where(User.id.in_(
        sa.select(Plot.owner_id).where(Plot.code.in_(codes)))).order_by(User.id)).all()
    demo_people = db.session.scalars(sa.select(User).where(sa.or_(
        User.email.like(f"%@{DEMO_DOMAIN}"), User.id.in_([owner.id for owner in owners]))).order_by(User.id)).all()
    for person in demo_people:  # the demo's people have had it read to them, so the demo opens on their desks
        services.acknowledge(person, coordinator, notice)
    answered = set(db.session.execute(sa.select(Consent.user_id, Consent.purpose)).all())
    for owner in owners:
        for purpose in services.purposes_for(owner):
            if purpose is Purpose.LINE_MESSAGES and owner.line_link is None:
                continue
            if (owner.id, purpose) not in answered:
                services.record(owner, purpose, True, coordinator)
