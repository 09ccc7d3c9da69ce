# %% [markdown] locked
# # NN debug. Задание {{task}}
#
# {{badge}}
#
# В этой тетрадке мы рассмотрим несколько проблем с обучением сеток и способы их решения.
#
# *Лучше решать эту домашку в колабе* (Runtime → Change runtime type → GPU).
#
# **Данные ячейки не меняйте**: при проверке они восстанавливаются из оригинала, и правки в них пропадут.
# Ответы пишите в ячейки под подписями «Ваш ответ» и «Ваше исправление»; как сдать, сказано в конце тетрадки.

# %% [markdown] en
# # NN debug. Task {{task}}
#
# {{badge}}
#
# In this notebook we look at a few problems with training neural networks and at ways to solve them.
#
# *This homework is best done in Colab* (Runtime → Change runtime type → GPU).
#
# **Do not edit the given cells**: they are restored from the original at grading, and changes made in them
# are lost. Write your answers in the cells under the captions "Your answer" and "Your fix"; how to hand the
# notebook in is at its end.

# %% include: imports

# %% include: setup

# %% [markdown] locked
# # Data
#
# Для обучения сеток мы будем использовать MNIST.
#
# Ячейка выше скачивает архив `mnist_data.zip` из релиза репозитория курса (адрес: `FILES` в той ячейке)
# и распаковывает его в текущую папку (если папки `mnist_data` ещё нет). Его структура следующая:
# - /
#     - /train.csv
#     - /val.csv
#     - /train/{image_name}.png
#     - /val/{image_name}.png
#
# CSV файлы содержат название файла и его лейбл: image_name, label.

# %% [markdown] en
# # Data
#
# We train the networks on MNIST.
#
# The cell above downloads the archive `mnist_data.zip` (its address: `FILES` in that cell) and unpacks it
# into the current folder (unless a folder `mnist_data` is there already). Its structure:
# - /
#     - /train.csv
#     - /val.csv
#     - /train/{image_name}.png
#     - /val/{image_name}.png
#
# The CSV files hold a file name and its label: image_name, label.

# %% include: mnist_dataset

# %% [markdown] locked
# ## Задание 1
# **({{points}} балла)** Запустите обучение сети в ячейках ниже. За {{epochs}} эпох метрика на валидации
# вырастает всего до ~0.15.
#
# *Вопросы:*
# 1. Почему сетка так плохо учится?
# 1. Найдите ошибку в коде и объясните, почему ошибка вызывает подобное поведение в обучении?
#
# *Requirements:*
# 1. Напишите ответы в markdown ячейке перед следующим заданием (ячейка `task1_explanation` ниже).
# 1. В следующей ячейке (после вашего ответа, `task1_fix`) вставьте код с исправлением ошибки.
#
# Ячейки с данным кодом (модель, `Trainer`, запуск обучения) менять нельзя: при проверке они
# восстанавливаются. Всё исправление пишите в ячейку `task1_fix`: она должна заново создать `model`, `opt`
# и `trainer` с исправлением (можно объявить свой класс тренера). Ячейка после неё запустит
# `trainer.train({{epochs}})`.

# %% [markdown] en
# ## Task 1
# **({{points}} points)** Run the training of the network in the cells below. In {{epochs}} epochs the
# validation metric grows only to ~0.15.
#
# *Questions:*
# 1. Why does the network learn so badly?
# 1. Find the bug in the code and explain why it causes this behaviour in training.
#
# *Requirements:*
# 1. Write your answers in the markdown cell before the next task (the cell `task1_explanation` below).
# 1. In the next cell (after your answer, `task1_fix`) put the code that fixes the bug.
#
# The cells with the given code (the model, `Trainer`, the training runs) must not be changed: they are
# restored at grading. Write the whole fix in the cell `task1_fix`: it must create `model`, `opt` and
# `trainer` again, with the fix (you may declare your own trainer class). The cell after it runs
# `trainer.train({{epochs}})`.

# %% include: resnet18

# %% include: trainer

# %% locked id=experiment
mnist_train = MNISTDataset(images_dir_path='./mnist_data/train/',
                           description_csv_path='./mnist_data/train.csv')
mnist_val = MNISTDataset(images_dir_path='./mnist_data/val/',
                         description_csv_path='./mnist_data/val.csv')

model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)

trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp1/')

# %% locked id=train
trainer.train({{epochs}})

# %% include: tensorboard

# %% [markdown] locked
# **Ваш ответ на вопросы задания 1** (ячейка ниже, `task1_explanation`): почему сетка так плохо
# учится, какая ошибка в коде это вызывает и почему. Пишите текстом вместо строки `YOUR ANSWER HERE`.

# %% [markdown] en
# **Your answer to the questions of task 1** (the cell below, `task1_explanation`): why does the network
# learn so badly, which bug in the code causes it, and why? Write it as text in place of the line
# `YOUR ANSWER HERE`.

# %% [markdown] answer id=task1_explanation
# **Ваш ответ на вопросы задания 1** (ячейка `task1_explanation`): напишите его здесь вместо строки ниже.
#
# ### BEGIN SOLUTION
# DataLoader для обучения создаётся с `shuffle=False`, а `train.csv` отсортирован по лейблу. Поэтому
# каждый мини-батч состоит из картинок одного класса, и батчи идут в одном и том же порядке каждую эпоху:
# сеть на каждом шаге подстраивается под одну цифру и забывает предыдущие, а к концу эпохи предсказывает
# последний увиденный класс. Исправление: `shuffle=True`, тогда данные перемешиваются заново каждую эпоху
# и батчи содержат все классы.
# ### END SOLUTION

# %% [markdown] en
# **Your answer to the questions of task 1** (cell `task1_explanation`): write it here in place of the
# line below.
#
# ### BEGIN SOLUTION
# The training DataLoader is created with `shuffle=False`, and `train.csv` is sorted by label: every
# mini-batch holds images of one class, in the same order every epoch, so the network fits one digit at a
# time, forgets the others and ends each epoch predicting the last class it saw. Fix: `shuffle=True`.
# ### END SOLUTION

# %% [markdown] locked
# **Ваше исправление** (ячейка ниже, `task1_fix`): создайте в ней заново `model`, `opt` и `trainer` с
# исправлением ошибки (можно объявить свой класс тренера). Следующая ячейка запустит
# `trainer.train({{epochs}})`, а проверка после неё покажет, учится ли сеть.

# %% [markdown] en
# **Your fix** (the cell below, `task1_fix`): create `model`, `opt` and `trainer` there again, with the bug
# fixed (you may declare your own trainer class). The cell after it runs `trainer.train({{epochs}})`, and
# the check after that shows whether the network learns.

# %% answer id=task1_fix
# Ваше исправление (ячейка task1_fix): создайте здесь заново model, opt и trainer с исправлением ошибки.
# Your fix (cell task1_fix): create model, opt and trainer here again, with the bug fixed.
### BEGIN SOLUTION
# Тот же Trainer, но DataLoader обучения перемешивает данные каждую эпоху (shuffle=True).
# The same Trainer, but the training DataLoader reshuffles the data every epoch (shuffle=True).
# %include trainer shuffle=True

model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)

trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp1_fixed/')
### END SOLUTION

# %% locked id=train_fixed
trainer.train({{epochs}})

# %% include: tensorboard

# %% test id=task1_fix_visible points=0
# Проверка, которую можно запустить самому. Она проверяет одно: сеть учится (accuracy на валидации
# выше 0.5). При оценке проверяется ещё и то, что устранена сама причина ошибки, а не только её
# проявление: пройденная проверка не гарантирует баллов за исправление.
# A check you can run yourself. It checks one thing: the network learns (val accuracy above 0.5).
# Grading also checks that the cause of the bug itself is gone, not only its symptom: passing this
# check does not guarantee the points for the fix.
# %include val_accuracy

accuracy = val_accuracy(trainer.model, mnist_val)
print(
    f'accuracy на валидации / '
    f'val accuracy: {accuracy:.3f}')
assert accuracy > 0.5, (
    'сеть всё ещё плохо учится: ищите ошибку дальше / '
    'the network still does not learn: keep looking for the bug')
print(
    'сеть учится; при оценке проверяется и причина ошибки / '
    'the network learns; grading also checks the cause of the bug')

# %% test id=task1_fix_shuffle points=fix
# Скрытая проверка исправления: её оценку ставит проверяющая программа по записи обучения из ячейки
# `train_fixed` и по весам обученной модели.
# Hidden check of the fix: the grader scores it from the record of the training in `train_fixed`
# and from the trained weights.
### BEGIN HIDDEN TESTS
# Оценку этой ячейки ставит проверяющая программа вне вашего ядра (nndebug.verify): по записи
# обучения из ячейки `train_fixed` и по весам обученной модели.
### END HIDDEN TESTS

# %% test id=task1_explanation_rubric points=explanation
# Скрытая проверка ответа в ячейке task1_explanation: он сверяется с рубрикой (причина и механизм).
# Hidden check of the answer in the cell task1_explanation: it is compared with a rubric (cause and
# mechanism).
### BEGIN HIDDEN TESTS
# Оценку этой ячейки ставит проверяющая программа вне вашего ядра (nndebug.verify): по тексту
# ответа в ячейке task1_explanation.
### END HIDDEN TESTS

# %% [markdown] locked
# ## Как сдать
#
# 1. Запустите тетрадку сверху вниз (Runtime → Run all) и проверьте, что проверка после вашего исправления
#    проходит.
# 1. Скачайте её: в Colab File → Download → Download .ipynb, в Jupyter File → Download.
# 1. Не переименовывайте файл: `{{notebook}}.ipynb`.
# 1. Загрузите его {{hand_in}}.
#
# Данные ячейки при проверке восстанавливаются из оригинала: исправление, сделанное в них, не засчитается.
# Оценивается то, что написано в ячейках `task{{task}}_explanation` и `task{{task}}_fix`.

# %% [markdown] en
# ## How to hand in
#
# 1. Run the notebook from top to bottom (Runtime → Run all) and see that the check after your fix passes.
# 1. Download it: in Colab File → Download → Download .ipynb, in Jupyter File → Download.
# 1. Keep the file name: `{{notebook}}.ipynb`.
# 1. Upload it {{hand_in}}.
#
# The given cells are restored from the original at grading: a fix made in one of them does not count.
# What is graded is what you write in the cells `task{{task}}_explanation` and `task{{task}}_fix`.
