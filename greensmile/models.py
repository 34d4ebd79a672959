"""Every domain's models, imported together so the metadata (and Alembic) sees all tables."""
from greensmile.accounts.models import LineLink, Role, User, UserRole  # noqa: F401
from greensmile.bulk.models import (  # noqa: F401,E402
    BulkEvent,
    BulkLine,
    BulkOrder,
    BuyerProfile,
    FarmCapacity,
    Invoice,
    Share,
    StandingLine,
    StandingOrder,
)
from greensmile.certification import guards  # noqa: F401,E402  (freezes published charter versions)
from greensmile.certification.group_models import CorrectiveAction, GroupCertificate  # noqa: F401,E402
from greensmile.certification.models import (  # noqa: F401,E402
    Application,
    Assignment,
    Certification,
    CertificationEvent,
    ChecklistItem,
    ChecklistSection,
    Decision,
    Inspection,
    InspectionAnswer,
    InspectionPhoto,
    ResidueTest,
    Standard,
    StandardVersion,
)
from greensmile.geo.models import PlotBoundary  # noqa: F401,E402
from greensmile.jobs.models import Job, ScheduleRun  # noqa: F401,E402
from greensmile.listings.models import Listing, ListingPhoto, PickupPoint  # noqa: F401,E402
from greensmile.network.models import Membership, Organisation  # noqa: F401
from greensmile.notifications.models import Choice, LineEvent, LineQuota, Notification  # noqa: F401,E402
from greensmile.orders.models import Checkout, Order, OrderEvent, OrderLine  # noqa: F401,E402
from greensmile.payments.models import Payment, PaymentSlip, PromptPayAccount, Refund, WebhookEvent  # noqa: F401,E402
from greensmile.places.models import District  # noqa: F401
from greensmile.plots.models import Crop, Plot, PlotChange, PlotPhoto  # noqa: F401
from greensmile.privacy.models import AccessLog, Acknowledgement, Consent, Incident, Notice  # noqa: F401,E402
from greensmile.public.models import Concern, PlotScan  # noqa: F401,E402
from greensmile.rubber.eudr_models import (  # noqa: F401,E402
    CutoffDeclaration,
    CutoffEvidence,
    LandDocument,
    LotStatement,
    ReferenceArea,
    ReferenceLayer,
    RiskCheck,
    RiskFlag,
)
from greensmile.rubber.models import Harvest, Lot, LotHarvest, RubberProfile  # noqa: F401,E402
from greensmile.submissions.models import FormSubmission  # noqa: F401,E402
from greensmile.supporters.models import SupportDelivery, SupportPledge  # noqa: F401,E402
from greensmile.trees.models import Measurement, Pledge, PriceRow, PriceTable, Species, Stand, Tree, Valuation  # noqa: F401,E402
