import os

from piccolo.conf.apps import AppConfig

from contracts.tables import (
    ApprovalStep,
    BudgetEstimate,
    Contract,
    ContractCounter,
    ContractFeeLine,
    ContractType,
    FeePayment,
    Installment,
    PriceItem,
    PriceStandard,
)

APP_CONFIG = AppConfig(
    app_name="contracts",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        ContractType,
        PriceStandard,
        PriceItem,
        BudgetEstimate,
        ContractCounter,
        Contract,
        ContractFeeLine,
        Installment,
        ApprovalStep,
        FeePayment,
    ],
    migration_dependencies=["crm.accounts.piccolo_app"],
    commands=[],
)
