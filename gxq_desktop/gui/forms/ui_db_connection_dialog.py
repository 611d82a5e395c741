# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'db_connection_dialog.ui'
##
## Created by: Qt User Interface Compiler version 6.12.0
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QBrush, QColor, QConicalGradient, QCursor,
    QFont, QFontDatabase, QGradient, QIcon,
    QImage, QKeySequence, QLinearGradient, QPainter,
    QPalette, QPixmap, QRadialGradient, QTransform)
from PySide6.QtWidgets import (QAbstractButton, QApplication, QCheckBox, QDialog,
    QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout,
    QLabel, QLineEdit, QPushButton, QRadioButton,
    QSizePolicy, QSpacerItem, QSpinBox, QVBoxLayout,
    QWidget)

class Ui_DbConnectionDialog(object):
    def setupUi(self, DbConnectionDialog):
        if not DbConnectionDialog.objectName():
            DbConnectionDialog.setObjectName(u"DbConnectionDialog")
        DbConnectionDialog.resize(580, 560)
        self.mainLayout = QVBoxLayout(DbConnectionDialog)
        self.mainLayout.setSpacing(10)
        self.mainLayout.setObjectName(u"mainLayout")
        self.sqliteRadio = QRadioButton(DbConnectionDialog)
        self.sqliteRadio.setObjectName(u"sqliteRadio")
        self.sqliteRadio.setChecked(True)

        self.mainLayout.addWidget(self.sqliteRadio)

        self.sqliteGroup = QGroupBox(DbConnectionDialog)
        self.sqliteGroup.setObjectName(u"sqliteGroup")
        self.sqliteLayout = QHBoxLayout(self.sqliteGroup)
        self.sqliteLayout.setObjectName(u"sqliteLayout")
        self.sqlitePathEdit = QLineEdit(self.sqliteGroup)
        self.sqlitePathEdit.setObjectName(u"sqlitePathEdit")

        self.sqliteLayout.addWidget(self.sqlitePathEdit)

        self.browseButton = QPushButton(self.sqliteGroup)
        self.browseButton.setObjectName(u"browseButton")

        self.sqliteLayout.addWidget(self.browseButton)


        self.mainLayout.addWidget(self.sqliteGroup)

        self.postgresRadio = QRadioButton(DbConnectionDialog)
        self.postgresRadio.setObjectName(u"postgresRadio")

        self.mainLayout.addWidget(self.postgresRadio)

        self.postgresGroup = QGroupBox(DbConnectionDialog)
        self.postgresGroup.setObjectName(u"postgresGroup")
        self.postgresLayout = QFormLayout(self.postgresGroup)
        self.postgresLayout.setObjectName(u"postgresLayout")
        self.hostLabel = QLabel(self.postgresGroup)
        self.hostLabel.setObjectName(u"hostLabel")

        self.postgresLayout.setWidget(0, QFormLayout.ItemRole.LabelRole, self.hostLabel)

        self.hostEdit = QLineEdit(self.postgresGroup)
        self.hostEdit.setObjectName(u"hostEdit")

        self.postgresLayout.setWidget(0, QFormLayout.ItemRole.FieldRole, self.hostEdit)

        self.portLabel = QLabel(self.postgresGroup)
        self.portLabel.setObjectName(u"portLabel")

        self.postgresLayout.setWidget(1, QFormLayout.ItemRole.LabelRole, self.portLabel)

        self.portSpin = QSpinBox(self.postgresGroup)
        self.portSpin.setObjectName(u"portSpin")
        self.portSpin.setMinimum(1)
        self.portSpin.setMaximum(65535)
        self.portSpin.setValue(5432)

        self.postgresLayout.setWidget(1, QFormLayout.ItemRole.FieldRole, self.portSpin)

        self.databaseLabel = QLabel(self.postgresGroup)
        self.databaseLabel.setObjectName(u"databaseLabel")

        self.postgresLayout.setWidget(2, QFormLayout.ItemRole.LabelRole, self.databaseLabel)

        self.databaseEdit = QLineEdit(self.postgresGroup)
        self.databaseEdit.setObjectName(u"databaseEdit")

        self.postgresLayout.setWidget(2, QFormLayout.ItemRole.FieldRole, self.databaseEdit)

        self.userLabel = QLabel(self.postgresGroup)
        self.userLabel.setObjectName(u"userLabel")

        self.postgresLayout.setWidget(3, QFormLayout.ItemRole.LabelRole, self.userLabel)

        self.userEdit = QLineEdit(self.postgresGroup)
        self.userEdit.setObjectName(u"userEdit")

        self.postgresLayout.setWidget(3, QFormLayout.ItemRole.FieldRole, self.userEdit)

        self.passwordLabel = QLabel(self.postgresGroup)
        self.passwordLabel.setObjectName(u"passwordLabel")

        self.postgresLayout.setWidget(4, QFormLayout.ItemRole.LabelRole, self.passwordLabel)

        self.passwordEdit = QLineEdit(self.postgresGroup)
        self.passwordEdit.setObjectName(u"passwordEdit")
        self.passwordEdit.setEchoMode(QLineEdit.EchoMode.Password)

        self.postgresLayout.setWidget(4, QFormLayout.ItemRole.FieldRole, self.passwordEdit)

        self.rememberCheck = QCheckBox(self.postgresGroup)
        self.rememberCheck.setObjectName(u"rememberCheck")
        self.rememberCheck.setChecked(True)

        self.postgresLayout.setWidget(5, QFormLayout.ItemRole.FieldRole, self.rememberCheck)

        self.keyringLabel = QLabel(self.postgresGroup)
        self.keyringLabel.setObjectName(u"keyringLabel")
        self.keyringLabel.setWordWrap(True)

        self.postgresLayout.setWidget(6, QFormLayout.ItemRole.SpanningRole, self.keyringLabel)


        self.mainLayout.addWidget(self.postgresGroup)

        self.testLayout = QHBoxLayout()
        self.testLayout.setObjectName(u"testLayout")
        self.testButton = QPushButton(DbConnectionDialog)
        self.testButton.setObjectName(u"testButton")

        self.testLayout.addWidget(self.testButton)

        self.testSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.testLayout.addItem(self.testSpacer)


        self.mainLayout.addLayout(self.testLayout)

        self.resultLabel = QLabel(DbConnectionDialog)
        self.resultLabel.setObjectName(u"resultLabel")
        self.resultLabel.setWordWrap(True)
        self.resultLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.mainLayout.addWidget(self.resultLabel)

        self.bottomSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.mainLayout.addItem(self.bottomSpacer)

        self.restartLabel = QLabel(DbConnectionDialog)
        self.restartLabel.setObjectName(u"restartLabel")
        self.restartLabel.setWordWrap(True)

        self.mainLayout.addWidget(self.restartLabel)

        self.buttonBox = QDialogButtonBox(DbConnectionDialog)
        self.buttonBox.setObjectName(u"buttonBox")
        self.buttonBox.setStandardButtons(QDialogButtonBox.StandardButton.Cancel|QDialogButtonBox.StandardButton.Save)

        self.mainLayout.addWidget(self.buttonBox)

#if QT_CONFIG(shortcut)
        self.hostLabel.setBuddy(self.hostEdit)
        self.portLabel.setBuddy(self.portSpin)
        self.databaseLabel.setBuddy(self.databaseEdit)
        self.userLabel.setBuddy(self.userEdit)
        self.passwordLabel.setBuddy(self.passwordEdit)
#endif // QT_CONFIG(shortcut)
        QWidget.setTabOrder(self.sqliteRadio, self.sqlitePathEdit)
        QWidget.setTabOrder(self.sqlitePathEdit, self.browseButton)
        QWidget.setTabOrder(self.browseButton, self.postgresRadio)
        QWidget.setTabOrder(self.postgresRadio, self.hostEdit)
        QWidget.setTabOrder(self.hostEdit, self.portSpin)
        QWidget.setTabOrder(self.portSpin, self.databaseEdit)
        QWidget.setTabOrder(self.databaseEdit, self.userEdit)
        QWidget.setTabOrder(self.userEdit, self.passwordEdit)
        QWidget.setTabOrder(self.passwordEdit, self.rememberCheck)
        QWidget.setTabOrder(self.rememberCheck, self.testButton)

        self.retranslateUi(DbConnectionDialog)

        QMetaObject.connectSlotsByName(DbConnectionDialog)
    # setupUi

    def retranslateUi(self, DbConnectionDialog):
        DbConnectionDialog.setWindowTitle(QCoreApplication.translate("DbConnectionDialog", u"\u6570\u636e\u5e93\u8fde\u63a5", None))
        self.sqliteRadio.setText(QCoreApplication.translate("DbConnectionDialog", u"\u672c\u5730\u6570\u636e\u5e93\uff08SQLite \u6587\u4ef6\uff0c\u5355\u673a\u6216\u5c0f\u8303\u56f4\u5171\u4eab\uff09", None))
        self.sqliteGroup.setTitle(QCoreApplication.translate("DbConnectionDialog", u"\u672c\u5730\u6570\u636e\u5e93\u6587\u4ef6", None))
        self.browseButton.setText(QCoreApplication.translate("DbConnectionDialog", u"\u6d4f\u89c8(&B)\u2026", None))
        self.postgresRadio.setText(QCoreApplication.translate("DbConnectionDialog", u"\u5171\u4eab\u6570\u636e\u5e93\uff08PostgreSQL \u670d\u52a1\u5668\uff0c\u591a\u53f0\u7535\u8111\u540c\u65f6\u4f7f\u7528\uff09", None))
        self.postgresGroup.setTitle(QCoreApplication.translate("DbConnectionDialog", u"\u5171\u4eab\u6570\u636e\u5e93\u670d\u52a1\u5668", None))
        self.hostLabel.setText(QCoreApplication.translate("DbConnectionDialog", u"\u670d\u52a1\u5668\u5730\u5740(&H)\uff1a", None))
        self.hostEdit.setPlaceholderText(QCoreApplication.translate("DbConnectionDialog", u"\u5982 192.168.1.10", None))
        self.portLabel.setText(QCoreApplication.translate("DbConnectionDialog", u"\u7aef\u53e3(&O)\uff1a", None))
        self.databaseLabel.setText(QCoreApplication.translate("DbConnectionDialog", u"\u6570\u636e\u5e93\u540d(&D)\uff1a", None))
        self.userLabel.setText(QCoreApplication.translate("DbConnectionDialog", u"\u6570\u636e\u5e93\u7528\u6237(&U)\uff1a", None))
        self.passwordLabel.setText(QCoreApplication.translate("DbConnectionDialog", u"\u5bc6\u7801(&P)\uff1a", None))
        self.rememberCheck.setText(QCoreApplication.translate("DbConnectionDialog", u"\u8bb0\u4f4f\u5bc6\u7801\uff08\u4fdd\u5b58\u5728\u7cfb\u7edf\u7684\u51ed\u636e\u7ba1\u7406\u5668\u4e2d\uff09", None))
        self.testButton.setText(QCoreApplication.translate("DbConnectionDialog", u"\u6d4b\u8bd5\u8fde\u63a5(&T)", None))
        self.restartLabel.setText(QCoreApplication.translate("DbConnectionDialog", u"\u4fdd\u5b58\u540e\uff0c\u91cd\u65b0\u767b\u5f55\u6216\u91cd\u65b0\u542f\u52a8\u7a0b\u5e8f\u65f6\u4f7f\u7528\u65b0\u7684\u8fde\u63a5\u3002", None))
    # retranslateUi

