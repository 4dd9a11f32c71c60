# ruff: noqa: E501, I001, UP008, UP031 - the tutorial's code as written: its import order, long
# Chinese comments, super(Net, self) and %-formatting
"""The CIFAR-10 classifier of seed tutorial 004 ("分类器完整代码示例"), end to end, as one script.

This is the tutorial's complete program, written for PyTorch and torchvision and restored to what
its author meant. It is not edited for autograd_lab: ``run_as_torch.py`` runs it with ``torch``
resolving to autograd_lab and ``torchvision`` to autograd_lab.vision
(``python tests/programs/run_as_torch.py tests/programs/cifar10_tutorial.py``).

Every repair carries a ``fix:`` comment quoting the scraped text. The only repair to the code
itself is the indentation, which the scraped page lost (every line of the program started in
column 0); the others correct comments that contradict the code.

It trains in the current directory: the data goes to ``./data`` (``download=True``), the weights to
``./cifar_net.pth``. With num_workers=2 the code must stay under ``if __name__ == '__main__':``,
as the tutorial explains: a worker started with ``spawn`` re-imports this file.
"""
# 导入若干工具包
import torch
import torch.nn as nn
import torch.nn.functional as F
# 导入torchvision来下载数据集
import torchvision
# 导入torchvision.transforms 来格式化数据集
import torchvision.transforms as transforms
# 查看数据
# 导入画图包和numpy
import matplotlib.pyplot as plt
import numpy as np
import torch.optim as optim


# fix: the text lost all indentation ("def main():" and every line after it, down to "main()",
# started in column 0); the blocks below are indented as the code's structure requires
def main():
    # 定义卷积神经网络类
    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()
            # fix: the text said "卷积核大小3*3" (kernel size 3*3) here and below, but the layers use
            # 5 (as the tutorial's earlier Net says: "卷积核大小5*5")
            # 定义第一层卷积神经网络,输入通道维度=3,输出通道维度=6,卷积核大小5*5
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            # 定义第二层卷积神经网络,输入通道维度=6,输出通道维度=16,卷积核大小5*5
            self.conv2 = nn.Conv2d(6, 16, 5)
            # 定义三层全连接网络
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            # 在(2, 2)的池化窗口下执行最大池化操作
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = x.view(-1, 16 * 5 * 5)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    net = Net()
    print(net)
    # 获取数据
    # 将数据转换为标准数据域[-1, 1]的张量格式
    transform = transforms.Compose(
        [transforms.ToTensor(),
         transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    # 加载训练数据train=True
    trainset = torchvision.datasets.CIFAR10(root='./data', train=True, download=True, transform=transform)
    # 将训练数据集 trainset 封装成一个可迭代的数据加载器 trainloader,以便在训练模型时高效地获取批量数据。
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=4, shuffle=True, num_workers=2)
    # 加载测试数据train=False
    testset = torchvision.datasets.CIFAR10(root='./data', train=False, download=True, transform=transform)
    testloader = torch.utils.data.DataLoader(testset, batch_size=4, shuffle=False, num_workers=2)
    # 定义所有目标分类列表
    classes = ('plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck')

    # 构建展示图片的函数
    def imshow(img):
        img = img / 2 + 0.5
        npimg = img.numpy()
        plt.imshow(np.transpose(npimg, (1, 2, 0)))
        plt.show()

    # 从数据加载器 trainloader 中获取一个批次(batch)的训练数据,是深度学习训练过程中的标准数据获取方式。
    dataiter = iter(
        trainloader)  # 将数据加载器 trainloader 转换为迭代器(iterator),以便逐个获取数据批次。iter() 是 Python 内置函数,用于将可迭代对象(如列表、字典、DataLoader)转换为迭代器。迭代器的特点是可以使用 next() 方法逐个获取元素。
    # 从 trainloader 中加载一个批次的数据(4 张图像及其标签,因为 batch_size=4)
    images, labels = next(dataiter)  # 返回一个元组 (images, labels)
    # images:形状为 [4, 3, 32, 32] 的张量(假设数据集是 CIFAR-10,包含 4 张 3 通道的 32×32 图像)。
    # labels:形状为 [4] 的张量,表示 4 张图像的类别索引(如 [3, 8, 2, 5])。
    #
    # 展示图片
    imshow(torchvision.utils.make_grid(images))
    # 打印标签label
    print(''.join('%5s' % classes[labels[j]] for j in range(4)))
    # 定义损失函数和优化器
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    # 在 GPU 上训练模型
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    print(device)
    # 将模型转移到GPU上
    net.to(device)
    # 验证模型是否在GPU上
    # fix: the text said '# 应该输出 "cuda:0"' (should print "cuda:0"): only where CUDA is available
    print(next(net.parameters()).device)  # 有 GPU 时输出 "cuda:0",否则输出 "cpu"
    # 在训练集上训练模型
    for epoch in range(2):  # loop over the dataset multiple times
        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):  # enumerate(...):Python 内置函数,用于同时获取可迭代对象的索引和元素。
            # data中包含输入图像张量inputs,标签张量labels
            inputs, labels = data
            # 在训练循环中,将输入的图片张量和标签张量转移到GPU上
            # 更清晰的写法:直接解包后转移
            inputs, labels = inputs.to(device), labels.to(device)
            # 首先将优化器梯度归零
            optimizer.zero_grad()
            # 输入图像张量进网络,得到输出张量outputs
            outputs = net(inputs)
            # 利用网络的输出outputs和标签labels计算损失值
            loss = criterion(outputs, labels)
            # 反向传播+参数更新,是标准代码的标准流程
            loss.backward()
            optimizer.step()
            # 打印轮次和损失值
            running_loss += loss.item()
            if (i + 1) % 2000 == 0:
                # fix: the text said "由于是2000个样本的梯度累积" (2000 samples' accumulated gradients):
                # it is the sum of 2000 mini-batches' losses (the earlier section: "2000个批次(每次4张)")
                print('[%d, %5d] loss: %.3f' %
                      (epoch + 1, i + 1, running_loss / 2000))  # 2000 个批次(每次4张)的损失之和,除以2000得平均损失
                running_loss = 0.0
    print('Finished Training')
    # 保存模型:
    # 首先设定模型的保存路径
    PATH = './cifar_net.pth'
    # 保存模型的状态字典
    torch.save(net.state_dict(), PATH)  # 将模型 net 的参数(状态字典)保存到指定路径 PATH。
    # 在测试集上测试模型
    dataiter = iter(testloader)
    images, labels = next(dataiter)
    # 展示图片
    imshow(torchvision.utils.make_grid(images))
    # 打印真实标签
    print('GroundTruth: ', ' '.join('%5s' % classes[labels[j]] for j in range(4)))
    # 加载模型并对测试图片进行预测
    # 首先实例化模型的类对象
    net = Net()
    # 加载训练阶段保存好的模型的状态字典
    PATH = './cifar_net.pth'  # 假设模型保存路径为该地址
    net.load_state_dict(torch.load(PATH))
    # 利用模型对图片进行预测
    outputs = net(images)
    # 共有10个类别,采用模型计算出的概率最大的作为预测的类别
    _, predicted = torch.max(outputs, 1)
    # 打印预测标签的结果
    print('Predicted: ', ' '.join('%5s' % classes[predicted[j]] for j in range(4)))
    # 计算模型在全部测试集上的准确率
    correct = 0
    total = 0
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            outputs = net(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    print('Accuracy of the network on the 10000 test images: %d %%' % (
        100 * correct / total))
    # 分类别计算准确率
    class_correct = list(0. for i in range(10))
    class_total = list(0. for i in range(10))
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            outputs = net(images)
            _, predicted = torch.max(outputs, 1)
            c = (predicted == labels).squeeze()
            for i in range(4):
                label = labels[i]
                class_correct[label] += c[i].item()
                class_total[label] += 1
    for i in range(10):
        print('Accuracy of %5s : %2d %%' % (
            classes[i], 100 * class_correct[i] / class_total[i]))


# fix: the text had "if __name__ == '__main__':" and "main()" both in column 0
if __name__ == '__main__':
    main()
